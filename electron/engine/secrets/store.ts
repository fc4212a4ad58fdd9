// The secret store: name -> value, in one JSON file in the data dir (mode 0600, dir 0700,
// written atomically). Each entry records which Encryptor protected it, so the Electron app
// (safeStorage) and the headless CLI (file mode) can share one file: entries the current
// process cannot decrypt are kept untouched and reported clearly, never overwritten by accident.
// Values never appear in list(), JSON, inspect output, or error messages.
import { inspect } from 'node:util';
import { BerthError } from '../../../shared/errors.js';
import { dataPath } from '../paths.js';
import { Mutex, readJson, writeJsonAtomic } from '../store/atomic.js';
import { withFileLock } from '../store/file-lock.js';
import { fileModeEncryptor, type Encryptor } from './encryptor.js';
import { assertSecretName } from './names.js';
import { importFromTrussConfig, type ImportResult } from './truss-import.js';

export const SECRETS_FILE = 'secrets.json';
const MAX_VALUE_BYTES = 1024 * 1024;

interface Entry {
  enc: string;
  value: string;
  updatedAt: number;
}

interface SecretsFile {
  version: 1;
  secrets: Record<string, Entry>;
  /** Berth's own secrets (gateway API key), kept out of list() and plan resolution. */
  internal: Record<string, Entry>;
}

export interface SecretListing {
  name: string;
  updatedAt: number;
  /** Which encryptor protects it; `readable` false when this process cannot decrypt it. */
  protectedBy: string;
  readable: boolean;
}

export interface SecretStoreOptions {
  /** Defaults to <data dir>/secrets.json. */
  file?: string;
  /** Used for new writes. Defaults to the file-mode encryptor. */
  encryptor?: Encryptor;
}

function emptyFile(): SecretsFile {
  return { version: 1, secrets: {}, internal: {} };
}

function isEntry(v: unknown): v is Entry {
  return !!v && typeof v === 'object' && typeof (v as Entry).enc === 'string' && typeof (v as Entry).value === 'string';
}

export class SecretStore {
  readonly file: string;
  private readonly encryptor: Encryptor;
  private readonly mutex = new Mutex();

  constructor(opts: SecretStoreOptions = {}) {
    this.file = opts.file ?? dataPath(SECRETS_FILE);
    this.encryptor = opts.encryptor ?? fileModeEncryptor;
  }

  get encryptorId(): string {
    return this.encryptor.id;
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    this.assertValue(name, value);
    const entry = await this.seal(value);
    await this.mutate((f) => {
      f.secrets[name] = entry;
    });
  }

  /** The value, or null when not set. Throws when set but not decryptable here. */
  async get(name: string): Promise<string | null> {
    const f = await this.read();
    const e = f.secrets[name];
    return e ? this.open(name, e) : null;
  }

  async has(name: string): Promise<boolean> {
    return Boolean((await this.read()).secrets[name]);
  }

  /** Names and metadata only, sorted by name. */
  async list(): Promise<SecretListing[]> {
    const f = await this.read();
    return Object.entries(f.secrets)
      .map(([name, e]) => ({ name, updatedAt: e.updatedAt, protectedBy: e.enc, readable: this.canOpen(e) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** True when something was deleted. */
  async delete(name: string): Promise<boolean> {
    let existed = false;
    await this.mutate((f) => {
      existed = name in f.secrets;
      delete f.secrets[name];
      return existed;
    });
    return existed;
  }

  /**
   * Values for the secrets a plan declares. Throws one SECRET_MISSING error naming every
   * missing secret (never a value), so the user fixes them all at once.
   */
  async resolveForPlan(names: string[]): Promise<Record<string, string>> {
    const f = await this.read();
    const out: Record<string, string> = {};
    const missing: string[] = [];
    const unreadable: string[] = [];
    for (const name of [...new Set(names)]) {
      const e = f.secrets[name];
      if (!e) missing.push(name);
      else if (!this.canOpen(e)) unreadable.push(name);
      else out[name] = await this.open(name, e);
    }
    if (missing.length || unreadable.length) {
      const parts: string[] = [];
      if (missing.length) parts.push(`${missing.length === 1 ? 'Secret' : 'Secrets'} not set: ${missing.join(', ')}.`);
      if (unreadable.length) parts.push(`Stored by the Berth app with the OS keychain and not readable here: ${unreadable.join(', ')}.`);
      const first = missing[0] ?? unreadable[0];
      throw new BerthError(
        'SECRET_MISSING',
        `This model needs secrets that Berth cannot provide. ${parts.join(' ')}`,
        `Set each one with \`berth secrets set ${first}\` (or on the Secrets screen), or import them from ~/.truss/config.yaml with \`berth secrets import\`.`,
      );
    }
    return out;
  }

  /** Berth's own secrets (e.g. the gateway API key); not listed, not resolvable by configs. */
  async getInternal(key: string): Promise<string | null> {
    const e = (await this.read()).internal[key];
    return e ? this.open(key, e) : null;
  }

  async setInternal(key: string, value: string): Promise<void> {
    const entry = await this.seal(value);
    await this.mutate((f) => {
      f.internal[key] = entry;
    });
  }

  async deleteInternal(key: string): Promise<void> {
    await this.mutate((f) => {
      delete f.internal[key];
    });
  }

  /** Sets many at once (one write), e.g. an import. */
  async setMany(values: Record<string, string>): Promise<void> {
    for (const [k, v] of Object.entries(values)) {
      assertSecretName(k);
      this.assertValue(k, v);
    }
    const sealed: Array<[string, Entry]> = [];
    for (const [k, v] of Object.entries(values)) sealed.push([k, await this.seal(v)]);
    await this.mutate((f) => {
      for (const [k, e] of sealed) f.secrets[k] = e;
    });
  }

  /** Imports the `secrets:` map of ~/.truss/config.yaml (or `path`); existing names are kept unless overwrite. */
  importFromTrussConfig(path?: string, opts: { overwrite?: boolean } = {}): Promise<ImportResult> {
    return importFromTrussConfig(this, path, opts);
  }

  // Never let a value slip out through JSON.stringify or console.log of the store.
  toJSON(): object {
    return { file: this.file, encryptor: this.encryptor.id };
  }
  [inspect.custom](): string {
    return `SecretStore { file: ${this.file}, encryptor: ${this.encryptor.id} }`;
  }

  private assertValue(name: string, value: string): void {
    if (typeof value !== 'string' || value.length === 0) {
      throw new BerthError('BAD_REQUEST', `The value for secret "${name}" is empty.`, 'Give a non-empty value (an empty secret file would only make the model fail later).');
    }
    if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
      throw new BerthError('BAD_REQUEST', `The value for secret "${name}" is larger than 1 MiB.`, 'Secrets are tokens and keys; put large files in the truss data/ dir instead.');
    }
  }

  private async seal(value: string): Promise<Entry> {
    return { enc: this.encryptor.id, value: await this.encryptor.encrypt(value), updatedAt: Date.now() };
  }

  private canOpen(e: Entry): boolean {
    return e.enc === this.encryptor.id || e.enc === fileModeEncryptor.id || !!this.encryptor.alsoReads?.[e.enc];
  }

  private async open(name: string, e: Entry): Promise<string> {
    if (e.enc === this.encryptor.id) return this.decrypt(name, this.encryptor, e.value);
    if (e.enc === fileModeEncryptor.id) return e.value;
    const earlier = this.encryptor.alsoReads?.[e.enc];
    if (earlier) return this.decrypt(name, { id: e.enc, encrypt: () => '', decrypt: earlier }, e.value);
    throw new BerthError(
      'SECRET_MISSING',
      `Secret "${name}" was stored by the Berth app with the OS keychain (${e.enc}) and cannot be read here.`,
      `Use it from the Berth app, or store a copy readable here with \`berth secrets set ${name}\`.`,
    );
  }

  private async decrypt(name: string, enc: Encryptor, stored: string): Promise<string> {
    try {
      return await enc.decrypt(stored);
    } catch {
      throw new BerthError('SECRET_MISSING', `Secret "${name}" could not be decrypted (the OS keychain entry changed).`, `Set it again with \`berth secrets set ${name}\` or on the Secrets screen.`);
    }
  }

  private async read(): Promise<SecretsFile> {
    const r = await readJson(this.file);
    if (!r.ok) {
      if (r.missing) return emptyFile();
      throw new BerthError(
        'INTERNAL',
        `The secret store is unreadable (${r.error}).`,
        `Move ${this.file} aside and set the secrets again (\`berth secrets set NAME\` or \`berth secrets import\`).`,
      );
    }
    const v = r.value as Partial<SecretsFile> | null;
    const f = emptyFile();
    if (v && typeof v === 'object') {
      for (const [k, e] of Object.entries(v.secrets ?? {})) if (isEntry(e)) f.secrets[k] = e;
      for (const [k, e] of Object.entries(v.internal ?? {})) if (isEntry(e)) f.internal[k] = e;
    }
    return f;
  }

  /**
   * Read-modify-write under the in-process mutex and a lock file other processes see too
   * (the app and `berth secrets set` at once): the read happens inside the lock, so neither
   * writes back a file that misses the other's update.
   */
  private mutate(fn: (f: SecretsFile) => unknown): Promise<void> {
    return this.mutex.run(() =>
      withFileLock(
        `${this.file}.lock`,
        async () => {
          const f = await this.read();
          fn(f);
          await writeJsonAtomic(this.file, f, { mode: 0o600, dirMode: 0o700 });
        },
        { dirMode: 0o700 },
      ),
    );
  }
}
