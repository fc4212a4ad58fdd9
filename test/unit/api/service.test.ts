// BerthService over in-memory ports: what the service itself decides (validation, error
// shapes, secret checks, imports, log batching, which paths it opens and saves). The
// managers behind the ports have their own tests; the real wiring is exercised by
// test/integration/server. The path policy is the real one (path-policy.ts), and the fake
// supervisor opens the path it is given, as the real one does.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BerthService } from '../../../electron/engine/service/berth-service.js';
import type { DeploymentEvent, DeploymentPort, ServicePorts } from '../../../electron/engine/service/service-deps.js';
import type { DeploymentSummary } from '../../../shared/deployment.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-svc-'));
const configPath = join(dir, 'config.yaml');
writeFileSync(configPath, 'model_name: m\n');

/** Like the real supervisor: the path opened (a truss dir or its config file) is the configPath. */
function makeDeployment(secrets: string[], opened = configPath, id = 'dep1'): DeploymentPort & { emit(ev: DeploymentEvent): void; started: number } {
  const listeners = new Set<(ev: DeploymentEvent) => void>();
  const abs = resolve(opened);
  const file = existsSync(abs) && statSync(abs).isDirectory() ? join(abs, 'config.yaml') : abs;
  const summary: DeploymentSummary = { id, modelName: 'm', configPath: abs, state: { name: 'idle', reason: '', since: 0 }, gpuDeviceIds: [], gatewayUrl: null, containerId: null, image: 'img', errors: [] };
  const d = {
    id,
    configPath: abs,
    started: 0,
    summary: () => summary,
    start: async () => {
      d.started++;
    },
    stop: async () => {},
    replan: async () => {},
    restart: async () => {},
    plan: () => null,
    dockerRun: () => null,
    timeline: () => [],
    probes: () => [],
    metrics: () => null,
    progress: () => null,
    configText: () => readFileSync(file, 'utf8'),
    issues: () => [],
    declaredSecrets: () => secrets,
    logsTail: () => ({ lines: [], lastSeq: 0, dropped: 0 }),
    logsSince: () => ({ lines: [], lastSeq: 0, dropped: 0 }),
    subscribe: (l: (ev: DeploymentEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit: (ev: DeploymentEvent) => listeners.forEach((l) => l(ev)),
  };
  return d;
}

function makeService(declared: string[] = ['hf_token'], o: { transport?: 'ipc' | 'http'; openDialog?: () => Promise<string | null> } = {}) {
  const store = new Map<string, string>();
  const dep = makeDeployment(declared);
  const open = new Map<string, DeploymentPort>();
  const ports: ServicePorts = {
    supervisor: {
      open: async (p) => {
        const abs = resolve(p);
        const existing = [...open.values()].find((d) => d.configPath === abs);
        const d = existing ?? (abs === configPath ? dep : makeDeployment(declared, abs, `dep-${basename(abs)}-${open.size}`));
        open.set(d.id, d);
        return d;
      },
      list: () => [...open.values()],
      get: (id) => open.get(id),
      close: async (id) => {
        open.delete(id);
      },
      validateText: async () => ({ issues: [], plan: null, dockerRun: null }),
      shutdown: async () => {},
    },
    engine: { status: () => ({ up: true, checkedAt: 1 }), onStatus: () => () => {} },
    gpu: { report: async () => ({ gpus: [], driverVersion: null, cudaVersion: null, capabilities: { usable: false, via: 'none' } }), onSample: () => () => {} },
    secrets: {
      names: async () => [...store.keys()],
      has: async (n) => store.has(n),
      set: async (n, v) => void store.set(n, v),
      delete: async (n) => void store.delete(n),
    },
    settings: { get: () => ({}) as never, update: async () => ({}) as never },
    recent: { list: async () => [{ path: configPath, openedAt: 1, modelName: null }, { path: join(dir, 'gone.yaml'), openedAt: 0, modelName: null }], add: async () => {} },
    gatewayKey: { exists: async () => false, generate: async () => 'k' },
    examplesDir: resolve(__dirname, '../../../resources/examples'),
    dataDir: dir,
    version: 't',
    openDialog: o.openDialog,
  };
  return { service: new BerthService(ports, { transport: o.transport ?? 'http' }), store, dep };
}

describe('BerthService', () => {
  it('refuses to start while a declared secret has no value, and names it', async () => {
    const { service, store, dep } = makeService();
    await service.call('deployments.open', { path: configPath });
    const r = await service.handle('deployments.start', { id: 'dep1' });
    expect(r).toMatchObject({ ok: false, error: { code: 'SECRET_MISSING' } });
    expect(!r.ok && r.error.message).toContain('hf_token');
    expect(!r.ok && r.error.hint).toContain('berth secrets set hf_token');
    store.set('hf_token', 'v');
    expect((await service.handle('deployments.start', { id: 'dep1' })).ok).toBe(true);
    expect(dep.started).toBe(1);
  });

  it('imports secrets from .env text and from a Truss config, skipping placeholders and existing ones', async () => {
    const { service, store } = makeService();
    store.set('EXISTING', 'old');
    const r = await service.call('secrets.import', { source: 'text', text: '# comment\nexport A=1\nB="two words"\nEXISTING=new\n' });
    expect(r.imported.sort()).toEqual(['A', 'B']);
    expect(r.skipped).toEqual([{ name: 'EXISTING', reason: expect.stringContaining('already set') }]);
    expect(store.get('B')).toBe('two words');
    const truss = join(dir, 'truss.yaml');
    writeFileSync(truss, 'secrets:\n  hf_access_token: hf_x\n  placeholder: null\n');
    const t = await service.call('secrets.import', { source: 'truss', path: truss });
    expect(t.imported).toEqual(['hf_access_token']);
    expect(t.skipped[0]).toMatchObject({ name: 'placeholder' });
    const list = await service.call('secrets.list');
    expect(list.map((s) => s.name)).toEqual(['A', 'B', 'EXISTING', 'hf_access_token']);
    const bad = await service.handle('secrets.import', { source: 'file', path: join(dir, 'missing.env') });
    expect(bad).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('keeps berth.* secret names for itself', async () => {
    const { service } = makeService();
    expect(await service.handle('secrets.set', { name: 'berth.gateway', value: 'x' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('only writes configs that are open', async () => {
    const { service } = makeService();
    const other = join(dir, 'other.yaml');
    writeFileSync(other, 'x: 0\n');
    const r = await service.handle('deployments.saveConfig', { path: other, text: 'x: 1' });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(readFileSync(other, 'utf8')).toBe('x: 0\n');
    await service.call('deployments.open', { path: configPath });
    const ok = await service.handle('deployments.saveConfig', { path: configPath, text: 'model_name: saved\n' });
    expect(ok.ok).toBe(true);
    expect(readFileSync(configPath, 'utf8')).toBe('model_name: saved\n');
  });

  it('over HTTP opens only paths the user allowed, and says how to allow one', async () => {
    const { service } = makeService();
    // A truss outside everything allowed (not given, not under an allowed folder, not recent).
    const outside = mkdtempSync(join(tmpdir(), 'berth-svc-outside-'));
    writeFileSync(join(outside, 'config.yaml'), 'model_name: secret\n');
    for (const p of [outside, join(outside, 'config.yaml'), '/etc/passwd']) {
      const r = await service.handle('deployments.open', { path: p });
      expect(r, p).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      expect(!r.ok && r.error.hint).toContain('berth serve --allow');
    }
    expect(await service.call('deployments.list')).toEqual([]);
    // Saving it is refused too: it is not open.
    expect(await service.handle('deployments.saveConfig', { path: join(outside, 'config.yaml'), text: 'pwned: 1\n' })).toMatchObject({ ok: false });
    expect(readFileSync(join(outside, 'config.yaml'), 'utf8')).toBe('model_name: secret\n');
    // A recent config (by its file or its folder) and a bundled example are allowed.
    expect((await service.handle('deployments.open', { path: configPath })).ok).toBe(true);
    expect((await service.handle('deployments.open', { path: dir })).ok).toBe(true);
    const example = (await service.call('examples.list'))[0].path;
    expect((await service.handle('deployments.open', { path: example })).ok).toBe(true);
    // A folder the user allowed (berth serve --allow DIR): anything under it.
    service.paths.allowFolder(outside);
    expect((await service.handle('deployments.open', { path: outside })).ok).toBe(true);
    // A way out of an allowed folder with '..' is still outside.
    const other = mkdtempSync(join(tmpdir(), 'berth-svc-other-'));
    writeFileSync(join(other, 'config.yaml'), 'model_name: o\n');
    expect(await service.handle('deployments.open', { path: `${outside}/../${basename(other)}` })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('over IPC trusts the desktop app, and over HTTP allows what the native dialog picked', async () => {
    const picked = mkdtempSync(join(tmpdir(), 'berth-svc-picked-'));
    writeFileSync(join(picked, 'config.yaml'), 'model_name: p\n');
    const ipc = makeService([], { transport: 'ipc' });
    expect((await ipc.service.handle('deployments.open', { path: picked })).ok).toBe(true);
    const http = makeService([], { openDialog: async () => join(picked, 'config.yaml') });
    expect((await http.service.handle('deployments.open', { path: picked })).ok).toBe(false);
    expect(await http.service.call('dialog.openConfig')).toEqual({ path: join(picked, 'config.yaml') });
    expect((await http.service.handle('deployments.open', { path: join(picked, 'config.yaml') })).ok).toBe(true);
  });

  it('a save keeps the file mode and writes through a symlinked config', async () => {
    const { service } = makeService([]);
    const t = mkdtempSync(join(tmpdir(), 'berth-svc-save-'));
    service.paths.allowFolder(t);
    const priv = join(t, 'private');
    mkdirSync(priv);
    writeFileSync(join(priv, 'config.yaml'), 'model_name: a\n');
    chmodSync(join(priv, 'config.yaml'), 0o600);
    await service.call('deployments.open', { path: priv });
    expect((await service.handle('deployments.saveConfig', { path: join(priv, 'config.yaml'), text: 'model_name: b\n' })).ok).toBe(true);
    expect(readFileSync(join(priv, 'config.yaml'), 'utf8')).toBe('model_name: b\n');
    expect(statSync(join(priv, 'config.yaml')).mode & 0o777).toBe(0o600);
    expect(readdirSync(priv)).toEqual(['config.yaml']); // no temp file left behind

    const target = join(t, 'dotfiles-config.yaml');
    writeFileSync(target, 'model_name: c\n');
    chmodSync(target, 0o640);
    const linked = join(t, 'linked');
    mkdirSync(linked);
    symlinkSync(target, join(linked, 'config.yaml'));
    await service.call('deployments.open', { path: linked });
    expect((await service.handle('deployments.saveConfig', { path: linked, text: 'model_name: d\n' })).ok).toBe(true);
    expect(lstatSync(join(linked, 'config.yaml')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(linked, 'config.yaml'))).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('model_name: d\n');
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  it('batches log lines into deployment.log events', async () => {
    const { service, dep } = makeService();
    await service.call('deployments.open', { path: configPath });
    const got: unknown[] = [];
    service.events.subscribe((channel, payload) => channel === 'deployment.log' && got.push(payload));
    for (let i = 1; i <= 10; i++) dep.emit({ type: 'log', lines: [{ seq: i, time: i, stream: 'stdout', text: `l${i}` }] });
    expect(got).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(got).toHaveLength(1);
    expect((got[0] as { lines: unknown[] }).lines).toHaveLength(10);
  });

  it('forwards state events with the fresh summary', async () => {
    const { service, dep } = makeService();
    await service.call('deployments.open', { path: configPath });
    const got: any[] = [];
    service.events.subscribe((channel, payload) => channel === 'deployment.state' && got.push(payload));
    dep.emit({ type: 'state', state: { name: 'starting', reason: 'r', since: 1 } });
    expect(got[0]).toMatchObject({ id: 'dep1', state: { name: 'starting' }, summary: { id: 'dep1' } });
  });

  it('gives clear errors for unknown ids, missing paths, and no dialog over HTTP', async () => {
    const { service } = makeService();
    expect(await service.handle('deployments.get', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', hint: expect.any(String) } });
    service.paths.allowFolder(dir);
    expect(await service.handle('deployments.open', { path: join(dir, 'nothing-here') })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await service.handle('dialog.openConfig', {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('marks recent configs that are gone, and lists bundled examples', async () => {
    const { service } = makeService();
    const recent = await service.call('recent.list');
    expect(recent.map((r) => r.exists)).toEqual([true, false]);
    const examples = await service.call('examples.list');
    const dirs = readdirSync(resolve(__dirname, '../../../resources/examples'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(examples.map((e) => e.name)).toEqual(dirs.map((d) => d.name).sort());
    for (const e of examples) {
      expect(e.path).toMatch(/config\.yaml$/);
      expect(e.modelName).toBeTruthy();
    }
  });
});

describe('GPU sampling', () => {
  it('runs only while a transport listens', async () => {
    const { service } = makeService();
    const ports = (service as unknown as { ports: ServicePorts }).ports;
    let active = 0;
    ports.gpu.onSample = () => {
      active++;
      return () => active--;
    };
    // Re-create so the constructor sees the counting onSample.
    const svc = new BerthService(ports);
    expect(active).toBe(0);
    const off1 = svc.events.subscribe(() => {});
    const off2 = svc.events.subscribe(() => {});
    expect(active).toBe(1);
    off1();
    expect(active).toBe(1);
    off2();
    expect(active).toBe(0);
    svc.close();
    service.close();
  });
});
