// Berth's settings: one JSON file in the data dir, validated with zod. A hand-edited file with a
// bad field keeps every good field and falls back to the default for the bad one (listed in
// `problems`), so a typo never stops Berth from starting.
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { BerthError } from '../../../shared/errors.js';
import { dataPath } from '../paths.js';
import { Mutex, readJson, writeJsonAtomic } from './atomic.js';
import type { SecretStore } from '../secrets/store.js';
import { ensureGatewayApiKey } from './gateway-key.js';

const SIZE_RE = /^\d+(\.\d+)?\s*([kmgt]i?b?|b)?$/i;

export const SettingsSchema = z.object({
  /** null: auto (DOCKER_HOST, current docker context, default socket). */
  dockerHost: z.string().trim().min(1).nullable(),
  probePeriodMs: z.number().int().min(1000).max(600_000),
  keepRunningOnQuit: z.boolean(),
  /** Passed as the container's --shm-size (e.g. "8g"); NCCL and PyTorch dataloaders need it. */
  shmSize: z.string().trim().regex(SIZE_RE, 'a size like "8g", "512m" or "16GiB"'),
  /** Mount the host's Hugging Face cache as every container's own (servers that fetch by repo id share it). */
  shareHfCache: z.boolean(),
  /** Listen on all interfaces (LAN) instead of 127.0.0.1. */
  gatewayExpose: z.boolean(),
  gatewayRequireKeyOnLoopback: z.boolean(),
  allowGpuSharing: z.boolean(),
  /** Apply resources.cpu / memory from config.yaml as container limits. */
  applyResourceLimits: z.boolean(),
  /** Desktop app only, read at launch: Chromium's GPU process stays off the GPUs (and NVIDIA + Wayland black windows go away). */
  disableHardwareAcceleration: z.boolean(),
  /** Request history keeps bodies of the latest requests (off: metadata only). */
  captureRequestBodies: z.boolean(),
});

export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  dockerHost: null,
  probePeriodMs: 10_000,
  keepRunningOnQuit: false,
  shmSize: '8g',
  shareHfCache: true,
  gatewayExpose: false,
  gatewayRequireKeyOnLoopback: false,
  allowGpuSharing: false,
  applyResourceLimits: false,
  disableHardwareAcceleration: false,
  captureRequestBodies: true,
});

export const SETTINGS_FILE = 'settings.json';
const KEYS = Object.keys(DEFAULT_SETTINGS) as Array<keyof Settings>;

/** Field by field: good values kept, bad ones replaced by defaults and described. */
export function coerceSettings(raw: unknown): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const settings: Settings = { ...DEFAULT_SETTINGS };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    if (raw !== undefined) problems.push('settings file is not a JSON object; using defaults');
    return { settings, problems };
  }
  const obj = raw as Record<string, unknown>;
  for (const key of KEYS) {
    if (!(key in obj)) continue;
    const r = SettingsSchema.shape[key].safeParse(obj[key]);
    if (r.success) (settings as Record<string, unknown>)[key] = r.data;
    else problems.push(`${key}: ${r.error.issues[0]?.message ?? 'invalid'}; using the default (${JSON.stringify(DEFAULT_SETTINGS[key])})`);
  }
  return { settings, problems };
}

export interface SettingsChange {
  settings: Settings;
  changed: Array<keyof Settings>;
}

export class SettingsStore extends EventEmitter {
  readonly file: string;
  private current: Settings = { ...DEFAULT_SETTINGS };
  private loaded = false;
  private readonly mutex = new Mutex();
  private readonly secrets: SecretStore | null;
  /** What was wrong with the file at the last load (empty when fine). */
  problems: string[] = [];

  constructor(opts: { file?: string; secrets?: SecretStore | null } = {}) {
    super();
    this.file = opts.file ?? dataPath(SETTINGS_FILE);
    this.secrets = opts.secrets ?? null;
  }

  async load(): Promise<Settings> {
    const r = await readJson(this.file);
    if (r.ok) {
      const c = coerceSettings(r.value);
      this.current = c.settings;
      this.problems = c.problems;
    } else {
      this.current = { ...DEFAULT_SETTINGS };
      this.problems = r.missing ? [] : [`${r.error}; using defaults`];
    }
    this.loaded = true;
    return this.get();
  }

  /** The settings as last loaded or written (defaults before load()). */
  get(): Settings {
    return { ...this.current };
  }

  /**
   * Validates and saves a partial change; emits 'change' ({settings, changed}) when something
   * changed. Turning gatewayExpose or gatewayRequireKeyOnLoopback on makes sure a gateway API
   * key exists (in the secret store).
   */
  update(patch: Partial<Settings>): Promise<Settings> {
    return this.mutex.run(async () => {
      if (!this.loaded) await this.load();
      const unknown = Object.keys(patch ?? {}).filter((k) => !KEYS.includes(k as keyof Settings));
      if (unknown.length) throw new BerthError('BAD_REQUEST', `Unknown setting${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`, `Known settings: ${KEYS.join(', ')}.`);
      const parsed = SettingsSchema.partial().safeParse(patch);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new BerthError('BAD_REQUEST', `Invalid setting ${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid value'}.`, 'Correct the value and save again.');
      }
      const next: Settings = { ...this.current, ...(parsed.data as Partial<Settings>) };
      const changed = KEYS.filter((k) => JSON.stringify(next[k]) !== JSON.stringify(this.current[k]));
      // Both need a key: one exists before running gateways are told (service/runtime.ts).
      const needsKey = (next.gatewayExpose && changed.includes('gatewayExpose')) || (next.gatewayRequireKeyOnLoopback && changed.includes('gatewayRequireKeyOnLoopback'));
      if (needsKey && this.secrets) await ensureGatewayApiKey(this.secrets);
      if (!changed.length) return this.get();
      await writeJsonAtomic(this.file, next, { mode: 0o600, dirMode: 0o700 });
      this.current = next;
      this.problems = [];
      this.emit('change', { settings: this.get(), changed } satisfies SettingsChange);
      return this.get();
    });
  }

  async reset(): Promise<Settings> {
    return this.update({ ...DEFAULT_SETTINGS });
  }
}
