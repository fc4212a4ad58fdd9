// The model container on the real engine, reached only through its 127.0.0.1 port. The
// fixture's /secrets-report shows what the process inside sees (names, sizes, hashes, modes,
// uid) without ever returning a secret's content.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../../shared/plan.js';
import { confirmDevices, createModelContainer, type ModelContainer } from '../../../electron/engine/docker/container.js';
import { watchEngineEvents, type EngineEvent } from '../../../electron/engine/docker/events.js';
import { followLogs, LogBuffer } from '../../../electron/engine/docker/logs.js';
import { docker, removeContainersByLabel } from '../../helpers/docker.js';
import { waitForHttp } from '../../helpers/http.js';
import { testPlan } from './support/plan.js';

const secretsRoot = mkdtempSync(join(tmpdir(), 'engine-docker-secrets-'));
const dataDir = mkdtempSync(join(tmpdir(), 'engine-docker-data-'));
const hfDir = mkdtempSync(join(tmpdir(), 'engine-docker-hf-'));
const made: ModelContainer[] = [];

afterAll(async () => {
  for (const c of made) await c.remove().catch(() => {});
  await removeContainersByLabel({ 'berth.test': 'engine-docker' });
  rmSync(hfDir, { recursive: true, force: true });
  rmSync(secretsRoot, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** Polls until fn returns a value (events arrive asynchronously; the machine may be busy). */
async function until<T>(fn: () => T | undefined, ms = 10_000): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('createModelContainer', () => {
  it('runs the start command with env, secrets, data, uid, labels, 127.0.0.1 port, logs and events', async () => {
    const token = `hf_${randomBytes(16).toString('hex')}`;
    const other = `other-${randomBytes(8).toString('hex')}\nline2`;
    writeFileSync(join(dataDir, 'template.jinja'), 'hello from data');
    chmodSync(dataDir, 0o755); // as a truss dir normally is: the container user reads it
    const plan = testPlan({
      env: { MODEL_MODE: 'test', WITH_SPACES: 'a b c', FIXTURE_LOG_LINES: '500', HF_HOME: '/berth/huggingface' },
      secrets: ['hf_access_token', 'other_secret'],
      user: '1234',
      dataMount: { source: dataDir, target: '/app/data' },
      hfCache: { source: hfDir, target: '/berth/huggingface/hub' },
      // The start command proves the data mount and the HF cache are where the platform puts them.
      entrypoint: ['sh', '-c', 'cat /app/data/template.jinja; echo; echo "hf=$HF_HOME"; exec node /srv/model-server/server.mjs --port 8000'],
    });
    const instanceId = `inst-${randomBytes(3).toString('hex')}`;
    const events: EngineEvent[] = [];
    const watcher = watchEngineEvents(docker, { labels: [`${LABELS.instance}=${instanceId}`] }, (e) => events.push(e));

    const c = await createModelContainer(docker, plan, { secretValues: { hf_access_token: token, other_secret: other, unused: 'x' }, instanceId, secretsRoot });
    made.push(c);
    expect(c.name).toBe(`berth-${plan.deploymentId}`);
    expect(c.hostPort).toBeGreaterThan(0);
    expect(statSync(c.secretsDir!).mode & 0o777).toBe(0o700);

    await c.start();
    const base = `http://127.0.0.1:${c.hostPort}`;
    await waitForHttp(`${base}/health`, { timeoutMs: 30_000 });

    const report = (await (await fetch(`${base}/secrets-report`)).json()) as {
      present: boolean;
      files: Array<{ name: string; readable: boolean; size: number; sha256: string; mode: string }>;
      uid: number;
      envNames?: string[];
      env?: string[];
    };
    expect(report.present).toBe(true);
    expect(report.uid).toBe(1234);
    expect(report.files.map((f) => f.name)).toEqual(['hf_access_token', 'other_secret']);
    expect(report.files.find((f) => f.name === 'hf_access_token')).toMatchObject({ readable: true, sha256: sha(token), mode: '400', size: token.length });
    expect(report.files.find((f) => f.name === 'other_secret')).toMatchObject({ readable: true, sha256: sha(other) });
    const envNames = JSON.stringify(report);
    expect(envNames).toContain('MODEL_MODE');
    expect(envNames).toContain('HF_HOME');
    expect(envNames).not.toContain(token);

    const info = await docker.getContainer(c.id).inspect();
    expect(info.Config.User).toBe('1234');
    expect(info.Config.Entrypoint).toEqual(plan.entrypoint);
    expect(info.Config.Env).toEqual(expect.arrayContaining(['MODEL_MODE=test', 'WITH_SPACES=a b c', 'HF_HOME=/berth/huggingface']));
    expect(info.Config.Labels).toMatchObject({
      [LABELS.managed]: 'true',
      [LABELS.deployment]: plan.deploymentId,
      [LABELS.planHash]: plan.planHash,
      [LABELS.instance]: instanceId,
      [LABELS.configPath]: plan.configPath,
    });
    expect(info.HostConfig.PortBindings).toEqual({ '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(c.hostPort) }] });
    expect(info.HostConfig.ShmSize).toBe(64 * 1024 * 1024);
    expect(info.Mounts.find((m) => m.Destination === '/secrets')).toMatchObject({ RW: false });
    expect(info.Mounts.find((m) => m.Destination === '/app/data')).toMatchObject({ RW: false });
    expect(info.Mounts.find((m) => m.Destination === '/berth/huggingface/hub')).toMatchObject({ Type: 'bind', Source: hfDir, RW: true });
    const inspectText = JSON.stringify(info);
    expect(inspectText).not.toContain(token);
    expect(inspectText).not.toContain(other.split('\n')[0]);

    const buf = new LogBuffer();
    const follower = await followLogs(docker, c.id, buf);
    const deadline = Date.now() + 15_000;
    while (!buf.tail(1000).some((l) => l.text.startsWith('LOG_LINE 500/500')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const lines = buf.tail(1000);
    expect(lines.some((l) => l.text === 'hello from data')).toBe(true);
    expect(lines.some((l) => l.text === 'hf=/berth/huggingface')).toBe(true);
    expect(lines.filter((l) => l.text.startsWith('LOG_LINE ')).length).toBe(500);
    expect(Math.abs(lines[0].time - Date.now())).toBeLessThan(60_000);

    await c.stop(5);
    await follower.done;
    const die = await until(() => events.find((e) => e.action === 'die'));
    expect(events.some((e) => e.action === 'start')).toBe(true);
    expect(die).toMatchObject({ containerId: c.id, exitCode: 0, instanceId, deploymentId: plan.deploymentId });

    const dir = c.secretsDir!;
    await c.remove();
    expect(existsSync(dir)).toBe(false);
    expect(await until(() => events.find((e) => e.action === 'destroy'))).toMatchObject({ containerId: c.id });
    watcher.stop();
  });

  it('fails with SECRET_MISSING before creating anything', async () => {
    const plan = testPlan({ secrets: ['hf_access_token', 'api_key'] });
    const err = await createModelContainer(docker, plan, { secretValues: { hf_access_token: 'x' }, instanceId: 'i1', secretsRoot }).catch((e) => e);
    expect(err).toMatchObject({ code: 'SECRET_MISSING' });
    expect(err.message).toContain('"api_key"');
    expect(err.hint).toMatch(/Secrets page|berth secrets set api_key/);
    await expect(docker.getContainer(`berth-${plan.deploymentId}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(readdirSync(secretsRoot).includes('i1')).toBe(false);
  });

  it('fails with PORT_IN_USE when the requested host port is taken', async () => {
    const srv: Server = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    try {
      const err = await createModelContainer(docker, testPlan(), { secretValues: {}, instanceId: 'i2', secretsRoot, hostPort: port }).catch((e) => e);
      expect(err).toMatchObject({ code: 'PORT_IN_USE' });
      expect(err.message).toContain(String(port));
    } finally {
      srv.close();
    }
  });

  it('explains a GPU request on an engine without the NVIDIA toolkit (real engine error)', async () => {
    const c = await createModelContainer(docker, testPlan({ gpu: { accelerator: 'H100', count: 1, deviceIds: ['0'] } }), { secretValues: {}, instanceId: 'i3', secretsRoot });
    made.push(c);
    const info = await docker.getContainer(c.id).inspect();
    expect((info.HostConfig as { DeviceRequests?: unknown }).DeviceRequests).toEqual([{ Driver: 'nvidia', Count: 0, DeviceIDs: ['0'], Capabilities: [['gpu']], Options: null }]);
    const err = await c.start().catch((e) => e);
    expect(err).toMatchObject({ code: 'GPU_RUNTIME_MISSING' });
    expect(err.hint).toContain('sudo nvidia-ctk runtime configure --runtime=docker');
    expect(err.hint).toMatch(/CPU run/);
    await c.remove();
  });

  it('confirms devices of a running container (none requested, no nvidia-smi inside)', async () => {
    const c = await createModelContainer(docker, testPlan(), { secretValues: {}, instanceId: 'i4', secretsRoot });
    made.push(c);
    await c.start();
    await waitForHttp(`http://127.0.0.1:${c.hostPort}/health`, { timeoutMs: 30_000 });
    const d = await confirmDevices(docker, c.id);
    expect(d.requested).toEqual([]);
    expect(d.visible).toBeNull();
    expect(d.note).toMatch(/nvidia-smi/);
    await c.remove();
  });
});
