import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, statSync, readdirSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, SettingsStore, type SettingsChange } from '../../../electron/engine/store/settings.js';
import { SecretStore } from '../../../electron/engine/secrets/store.js';
import { getGatewayApiKey } from '../../../electron/engine/store/gateway-key.js';
import { berthHome, dataPath } from '../../../electron/engine/paths.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-settings-'));
  file = join(dir, 'settings.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SettingsStore', () => {
  it('starts from the documented defaults when no file exists', async () => {
    const s = new SettingsStore({ file });
    expect(await s.load()).toEqual({
      dockerHost: null,
      probePeriodMs: 10000,
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
    expect(s.problems).toEqual([]);
  });

  it('saves validated changes atomically (0600, no temp files) and emits change events', async () => {
    const s = new SettingsStore({ file });
    await s.load();
    const events: SettingsChange[] = [];
    s.on('change', (c: SettingsChange) => events.push(c));
    await s.update({ probePeriodMs: 5000, shmSize: '16g' });
    await s.update({ probePeriodMs: 5000 }); // no change, no event
    expect(events).toHaveLength(1);
    expect(events[0].changed.sort()).toEqual(['probePeriodMs', 'shmSize']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ probePeriodMs: 5000, shmSize: '16g' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['settings.json']);
    expect((await new SettingsStore({ file }).load()).probePeriodMs).toBe(5000);
  });

  it('rejects invalid values and unknown keys with BAD_REQUEST, leaving the file unchanged', async () => {
    const s = new SettingsStore({ file });
    await s.update({ keepRunningOnQuit: true });
    const before = readFileSync(file, 'utf8');
    await expect(s.update({ probePeriodMs: 5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(s.update({ shmSize: 'lots' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/shmSize/) });
    await expect(s.update({ nope: 1 } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/Unknown setting: nope/) });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('a hand-edited file keeps its good fields and reports the bad ones', async () => {
    writeFileSync(file, JSON.stringify({ probePeriodMs: 'fast', allowGpuSharing: true, dockerHost: 'tcp://10.0.0.5:2376' }));
    const s = new SettingsStore({ file });
    const v = await s.load();
    expect(v.allowGpuSharing).toBe(true);
    expect(v.dockerHost).toBe('tcp://10.0.0.5:2376');
    expect(v.probePeriodMs).toBe(DEFAULT_SETTINGS.probePeriodMs);
    expect(s.problems[0]).toMatch(/^probePeriodMs: .*using the default \(10000\)/);
  });

  it('a corrupt file falls back to defaults with a problem, without throwing', async () => {
    writeFileSync(file, '{"probePeriodMs": 5000');
    const s = new SettingsStore({ file });
    expect(await s.load()).toEqual(DEFAULT_SETTINGS);
    expect(s.problems[0]).toMatch(/not valid JSON/);
  });

  it('generates the gateway API key on first expose, stores it as a secret, never in settings.json', async () => {
    const secrets = new SecretStore({ file: join(dir, 'secrets.json') });
    const s = new SettingsStore({ file, secrets });
    expect(await getGatewayApiKey(secrets)).toBeNull();
    await s.update({ gatewayExpose: true });
    const key = await getGatewayApiKey(secrets);
    expect(key).toMatch(/^berth_[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(file, 'utf8')).not.toContain(key!);
    expect(readFileSync(file, 'utf8')).not.toMatch(/gatewayApiKey/);
    await s.update({ gatewayExpose: false });
    await s.update({ gatewayExpose: true });
    expect(await getGatewayApiKey(secrets)).toBe(key); // stable across toggles
    expect(await secrets.list()).toEqual([]);
  });
});

describe('paths', () => {
  it('uses $BERTH_HOME when set', () => {
    const prev = process.env.BERTH_HOME;
    process.env.BERTH_HOME = dir;
    try {
      expect(berthHome()).toBe(dir);
      expect(dataPath('settings.json')).toBe(join(dir, 'settings.json'));
      mkdirSync(join(dir, 'x'));
      expect(new SettingsStore().file).toBe(join(dir, 'settings.json'));
    } finally {
      if (prev === undefined) delete process.env.BERTH_HOME;
      else process.env.BERTH_HOME = prev;
    }
  });
});
