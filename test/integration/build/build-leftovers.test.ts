// A Berth killed mid-build leaves its build container (with the build secrets bind-mounted
// from the data dir) behind. The next Berth of that data dir removes both on start.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../../shared/plan.js';
import { EngineConnection } from '../../../electron/engine/docker/connection.js';
import { GpuLedger } from '../../../electron/engine/gpu/index.js';
import { SecretStore } from '../../../electron/engine/secrets/index.js';
import { PortMemory, SettingsStore } from '../../../electron/engine/store/index.js';
import { BUILD_CONTAINER_LABEL, sweepBuildSecrets } from '../../../electron/engine/build/labels.js';
import { createEngineSupervisor, instanceIdFor } from '../../../electron/engine/supervisor/default-env.js';
import { docker } from '../../helpers/docker.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { writeTruss } from '../supervisor/support.js';

let tmp: TempDir;
let dataDir: string;
let childJs: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = tmpDir('berth-build-left-');
  dataDir = path.join(tmp.dir, 'home');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ shareHfCache: false }));
  // Inside the repo so the bundle's bare imports (dockerode, ...) resolve from node_modules.
  childJs = path.resolve('node_modules/.cache/berth-tests', `die-mid-build-${randomBytes(4).toString('hex')}.mjs`);
  await build({ entryPoints: ['test/integration/build/support/die-mid-build.ts'], outfile: childJs, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning' });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  const left = [
    ...(await docker.listContainers({ all: true, filters: { label: [`${LABELS.instance}=${instanceIdFor(dataDir)}`] } })),
    ...(await docker.listContainers({ all: true, filters: { label: [`${LABELS.model}=bl-model`] } })),
  ];
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  fs.rmSync(childJs, { force: true });
  tmp?.cleanup();
});

function writeBuildTruss(name: string): string {
  return writeTruss(tmp.dir, {
    name,
    secrets: ['bl_token'],
    extra: ['build_commands:', `  - "test -s /secrets/bl_token && echo ${randomBytes(4).toString('hex')} && sleep 300"`],
  });
}

function waitForLine(child: ChildProcess, re: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms; output:\n${out}`)), ms);
    const on = (b: Buffer) => {
      out += b.toString();
      const m = out.split('\n').find((l) => re.test(l));
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
  });
}

describe('build containers left by a Berth that died mid-build', () => {
  it('are labelled for recovery, and the next start removes them and their secrets dir', async () => {
    const token = `bl-${randomBytes(12).toString('hex')}`;
    await new SecretStore({ file: path.join(dataDir, 'secrets.json') }).set('bl_token', token);
    const trussDir = writeBuildTruss('bl-model');
    const child = spawn(process.execPath, [childJs, dataDir, trussDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    await waitForLine(child, /^build step 1\/1/, 60_000);
    // The step runs: its container exists and the secret is on disk.
    const instance = instanceIdFor(dataDir);
    let builds: Array<{ Id: string; Labels: Record<string, string> }> = [];
    for (let i = 0; i < 100 && !builds.length; i++) {
      builds = await docker.listContainers({ all: true, filters: { name: ['berth-build-'], label: [`${LABELS.managed}=true`, `${LABELS.instance}=${instance}`] } });
      if (!builds.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(builds).toHaveLength(1);
    const buildId = builds[0].Id;
    expect(builds[0].Labels[LABELS.instance]).toBe(instance);
    expect(builds[0].Labels[BUILD_CONTAINER_LABEL]).toBe('true');
    const secretsRoot = path.join(dataDir, 'run', 'build-secrets');
    const secretFiles = () => (fs.existsSync(secretsRoot) ? (fs.readdirSync(secretsRoot, { recursive: true }) as string[]) : []);
    expect(secretFiles().some((f) => f.endsWith('bl_token'))).toBe(true);

    // Berth dies mid-build: nothing of it gets to clean up.
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect((await docker.getContainer(buildId).inspect()).State.Running).toBe(true);

    // The next Berth of this data dir.
    const conn = new EngineConnection();
    conn.start();
    await conn.ping();
    const secrets = new SecretStore({ file: path.join(dataDir, 'secrets.json') });
    const settings = new SettingsStore({ file: path.join(dataDir, 'settings.json'), secrets });
    await settings.load();
    const es = createEngineSupervisor({
      connection: conn,
      secrets,
      settings,
      ports: new PortMemory({ file: path.join(dataDir, 'ports.json') }),
      gpuLedger: new GpuLedger(),
      instanceId: instance,
      gatewayApiKey: async () => null,
      dataDir,
    });
    try {
      await es.reopenLeftovers();
      await expect(docker.getContainer(buildId).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(secretFiles()).toEqual([]);
    } finally {
      await es.supervisor.shutdown();
      conn.stop();
    }
  });

  it('a secrets dir whose Berth died before its build container existed is swept', async () => {
    const root = path.join(tmp.dir, 'sweep');
    const dead = path.join(root, 'build-dead');
    const live = path.join(root, 'build-live');
    for (const d of [dead, live]) fs.mkdirSync(path.join(d, 'secrets'), { recursive: true });
    fs.writeFileSync(path.join(dead, 'secrets', 'tok'), 'x');
    fs.writeFileSync(path.join(live, 'secrets', 'tok'), 'x');
    // A pid that is not running (the kernel's pid_max is far below it).
    fs.writeFileSync(path.join(dead, 'owner'), `99999999@${(await import('node:os')).hostname()}\n`);
    fs.writeFileSync(path.join(live, 'owner'), `${process.pid}@${(await import('node:os')).hostname()}\n`);
    expect(await sweepBuildSecrets(root)).toEqual([dead]);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  });
});
