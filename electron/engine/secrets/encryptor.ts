// How secret values are protected at rest. The store only ever sees this interface:
//  - the Electron app wires safeStorage (OS keychain / DPAPI / libsecret) via safeStorageEncryptor;
//  - headless (CLI, `berth serve`) uses fileModeEncryptor: values stay plain inside a file that
//    only the user can read (mode 0600 in a 0700 dir) — the same protection ~/.truss/config.yaml
//    and ~/.docker/config.json get.
export interface Encryptor {
  /** Written into the file so a store opened with another encryptor can tell. */
  readonly id: string;
  encrypt(plain: string): string;
  decrypt(stored: string): string;
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
}

/** An encryptor over Electron's safeStorage; null when the OS offers no encryption (then use fileModeEncryptor). */
export function safeStorageEncryptor(safe: SafeStorageLike): Encryptor | null {
  if (!safe.isEncryptionAvailable()) return null;
  return {
    id: 'electron-safe-storage',
    encrypt: (plain) => safe.encryptString(plain).toString('base64'),
    decrypt: (stored) => safe.decryptString(Buffer.from(stored, 'base64')),
  };
}
