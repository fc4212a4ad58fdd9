// How secret values are protected at rest. The store only ever sees this interface:
//  - the Electron app wires safeStorage (OS keychain / DPAPI / libsecret) via safeStorageEncryptor;
//  - headless (CLI, `berth serve`) uses fileModeEncryptor: values stay plain inside a file that
//    only the user can read (mode 0600 in a 0700 dir) — the same protection ~/.truss/config.yaml
//    and ~/.docker/config.json get.
export interface Encryptor {
  /** Written into the file so a store opened with another encryptor can tell. */
  readonly id: string;
  // May be async: Electron 45 deprecates safeStorage's sync calls for encryptStringAsync/decryptStringAsync.
  encrypt(plain: string): string | Promise<string>;
  decrypt(stored: string): string | Promise<string>;
  /** Decrypters for entries other encryptors wrote that this one can still read (by their id). */
  readonly alsoReads?: Readonly<Record<string, (stored: string) => string | Promise<string>>>;
}

export const fileModeEncryptor: Encryptor = {
  id: 'file-0600',
  encrypt: (plain) => plain,
  decrypt: (stored) => stored,
};

/** Electron's safeStorage, structurally (no electron import here). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown'. */
  getSelectedStorageBackend?(): string;
  /** Electron 45+: the async API that replaces the deprecated sync calls above. */
  isAsyncEncryptionAvailable?(): Promise<boolean>;
  encryptStringAsync?(plain: string): Promise<Buffer>;
  decryptStringAsync?(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
}

/** safeStorage's async API, where this Electron has it (45+); the sync one otherwise. */
function hasAsyncApi(safe: SafeStorageLike): safe is SafeStorageLike & Required<Pick<SafeStorageLike, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync'>> {
  return typeof safe.isAsyncEncryptionAvailable === 'function' && typeof safe.encryptStringAsync === 'function' && typeof safe.decryptStringAsync === 'function';
}

export const SAFE_STORAGE_ID = 'electron-safe-storage';

/**
 * An encryptor over Electron's safeStorage; null when the OS offers no encryption (then use
 * fileModeEncryptor). With the async API, values the sync API wrote still decrypt (Electron
 * documents decryptStringAsync for data from encryptString), under the same id.
 */
export function safeStorageEncryptor(safe: SafeStorageLike, available = safe.isEncryptionAvailable()): Encryptor | null {
  if (!available) return null;
  if (hasAsyncApi(safe)) {
    return {
      id: SAFE_STORAGE_ID,
      encrypt: async (plain) => (await safe.encryptStringAsync(plain)).toString('base64'),
      decrypt: async (stored) => (await safe.decryptStringAsync(Buffer.from(stored, 'base64'))).result,
    };
  }
  return {
    id: SAFE_STORAGE_ID,
    encrypt: (plain) => safe.encryptString(plain).toString('base64'),
    decrypt: (stored) => safe.decryptString(Buffer.from(stored, 'base64')),
  };
}

export interface AppEncryptorChoice {
  /** Protects new writes. */
  encryptor: Encryptor;
  protection: 'os-keychain' | 'file-0600';
  /** safeStorage's backend on Linux; null elsewhere. */
  backend: string | null;
  /** What to tell the user when secrets are not protected by an OS keychain; null when they are. */
  warning: string | null;
}

/**
 * The app's secret encryptor. safeStorage is used only when an OS keychain backs it: on
 * Linux without a keyring (no Secret Service such as GNOME Keyring, no KWallet) Electron
 * falls back to `basic_text`, a key hard-coded in Chromium, which only obfuscates. Then the
 * app keeps secrets the way the CLI does, in the 0600 file (readable by `berth` too), and
 * still reads entries safeStorage wrote before. Call after the app is ready ('unknown'
 * before; an undetermined backend is not taken for a keychain).
 */
export function chooseAppEncryptor(safe: SafeStorageLike, platform: NodeJS.Platform = process.platform): AppEncryptorChoice {
  return choose(safe, safe.isEncryptionAvailable(), platform);
}

/** chooseAppEncryptor with safeStorage's async API (Electron 45+), which main uses; the sync API where it is missing. */
export async function chooseAppEncryptorAsync(safe: SafeStorageLike, platform: NodeJS.Platform = process.platform): Promise<AppEncryptorChoice> {
  return choose(safe, hasAsyncApi(safe) ? await safe.isAsyncEncryptionAvailable() : safe.isEncryptionAvailable(), platform);
}

function choose(safe: SafeStorageLike, available: boolean, platform: NodeJS.Platform): AppEncryptorChoice {
  const backend = platform === 'linux' ? (safe.getSelectedStorageBackend?.() ?? 'unknown') : null;
  const keychain = available && (backend === null || (backend !== 'basic_text' && backend !== 'unknown'));
  if (keychain) return { encryptor: safeStorageEncryptor(safe, available)!, protection: 'os-keychain', backend, warning: null };
  const earlier = available ? safeStorageEncryptor(safe, available) : null;
  const why =
    backend === 'basic_text'
      ? 'No OS keyring (Secret Service such as GNOME Keyring, or KWallet) is available, so Electron safeStorage would only obfuscate secrets with a fixed key (basic_text).'
      : backend === 'unknown'
        ? 'Electron safeStorage could not tell which OS keyring it uses.'
        : 'The OS offers no encryption for stored secrets (Electron safeStorage is unavailable).';
  return {
    encryptor: earlier ? { ...fileModeEncryptor, alsoReads: { [earlier.id]: (stored) => earlier.decrypt(stored) } } : fileModeEncryptor,
    protection: 'file-0600',
    backend,
    warning: `${why} Berth keeps secrets unencrypted in a file only your user can read (mode 0600), as the berth CLI does. Install and unlock a keyring (e.g. gnome-keyring or KWallet) and restart Berth to use the OS keychain.`,
  };
}
