// `berth run` as a real child process on the real engine: end to end through the gateway
// and a clean Ctrl-C, and a Berth process killed with SIGKILL whose successor re-adopts the
// same container (then leaves nothing behind).
import { spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretStore } from '../../../electron/engine/secrets/index.js';
import { docker } from '../../helpers/docker.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { berthCli } from '../../helpers/berth-cli.js';
import { instanceContainers, leftoverSecretFiles, removeInstance, writeFastSettings, writeTruss } from './support.js';

const ROOT = path.resolve(__dirname, '../../..');
const berthRun = (args: string[], home: string) => berthCli(['run', ...args], { BERTH_HOME: home });

let tmp: TempDir;
let home: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  tmp = tmpDir('berth-sv2-run-');
  home = path.join(tmp.dir, 'home');
  writeFastSettings(home);
  await new SecretStore({ file: path.join(home, 'secrets.json') }).set('sv2_run_token', 'sv2-run-secret');
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await removeInstance(home);
  tmp?.cleanup();
});

describe('berth run', () => {
  it('runs a truss end to end: endpoints line, gateway answers, Ctrl-C removes container and secrets, exit 0', async () => {
    const truss = writeTruss(path.join(tmp.dir, 'trusses'), { name: 'sv2-run-e2e', secrets: ['sv2_run_token'], env: { FIXTURE_STARTUP_DELAY_S: '1' } });
    const c = berthRun([truss], home);
    children.push(c.proc);
    const m = await c.waitFor(/endpoints: (http:\/\/127\.0\.0\.1:\d+)\n/, 30_000);
    const url = m[1];
    // The lines after it may arrive in a later chunk.
    await c.waitFor(/curl -s http:\/\/127\.0\.0\.1:\d+\/production\/predict.*\n/, 5000);
    const out = c.output();
    expect(out).toMatch(/sv2-run-e2e/);
    expect(out).toMatch(/waiting_for_startup/);
    expect(out).toMatch(/ready +readiness \/health answered 200/);
    expect(out).toMatch(/curl -s http:\/\/127\.0\.0\.1:\d+\/production\/predict/);
    const r = await fetch(`${url}/production/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'berth' }) });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { model_output: string }).model_output).toBe('htreb');
    expect(await instanceContainers(home)).toHaveLength(1);
    expect(leftoverSecretFiles(home).some((f) => f.endsWith('sv2_run_token'))).toBe(true);
    // The container's own log lines stream to the terminal.
    await c.waitFor(/\| FIXTURE_READY_AT \d+/, 5000);
    expect(c.output()).not.toContain('sv2-run-secret');

    c.proc.kill('SIGINT');
    expect(await Promise.race([c.exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))])).toBe(0);
    expect(c.output()).toMatch(/stopped +Berth is quitting/);
    expect(await instanceContainers(home)).toEqual([]);
    expect(leftoverSecretFiles(home)).toEqual([]);
    expect(await fetch(url).then(() => 'open', () => 'closed')).toBe('closed');
  });

  it('a crash loop shows the exit reason; SIGTERM stops it and exits 0', async () => {
    const truss = writeTruss(path.join(tmp.dir, 'trusses'), { name: 'sv2-run-crash', env: { FIXTURE_CRASH_AFTER_S: '0.2', FIXTURE_CRASH_CODE: '5' } });
    const c = berthRun([truss, '--port', '0'], home);
    children.push(c.proc);
    await c.waitFor(/crash_loop +exited with code 5/, 20_000);
    c.proc.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(c.output()).toMatch(/fixture: crashing on purpose/);
    expect(await instanceContainers(home)).toEqual([]);
  });

  it('a failed deployment exits 1 with the reason and the last log lines', async () => {
    const truss = writeTruss(path.join(tmp.dir, 'trusses'), { name: 'sv2-run-fail', env: { FIXTURE_STARTUP_DELAY_S: '120' }, health: { startup_threshold_seconds: 10 } });
    const c = berthRun([truss, '--port', '0'], home);
    children.push(c.proc);
    expect(await c.exited).toBe(1);
    const out = c.output();
    expect(out).toMatch(/berth run: failed: .*\/health.*10 s/);
    expect(out).toMatch(/last \d+ log lines?:\n {2}fixture: model-server stand-in listening/);
    expect(await instanceContainers(home)).toEqual([]);
  });

  it('a missing secret fails before anything is created, with what to do', async () => {
    const truss = writeTruss(path.join(tmp.dir, 'trusses'), { name: 'sv2-run-nosecret', secrets: ['sv2_not_set'] });
    const c = berthRun([truss], home);
    children.push(c.proc);
    expect(await c.exited).toBe(1);
    expect(c.output()).toMatch(/sv2_not_set/);
    expect(c.output()).toMatch(/berth secrets set sv2_not_set/);
    expect(c.output()).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(await instanceContainers(home)).toEqual([]);
  });

  it('a berth run killed with SIGKILL leaves the container; the next one re-adopts the same id, then leaves nothing', async () => {
    const truss = writeTruss(path.join(tmp.dir, 'trusses'), { name: 'sv2-run-adopt' });
    const a = berthRun([truss], home);
    children.push(a.proc);
    await a.waitFor(/endpoints: (http:\/\/127\.0\.0\.1:\d+)\n/, 30_000);
    const before = await instanceContainers(home);
    expect(before).toHaveLength(1);
    a.proc.kill('SIGKILL');
    await a.exited;
    expect((await docker.getContainer(before[0].Id).inspect()).State.Running).toBe(true);

    const b = berthRun([truss], home);
    children.push(b.proc);
    const m = await b.waitFor(/endpoints: (http:\/\/127\.0\.0\.1:\d+)\n/, 30_000);
    await b.waitFor(new RegExp(`re-adopted container berth-sv2-run-adopt-[0-9a-f]+ \\(${before[0].Id.slice(0, 12)}\\)`), 5000);
    expect(b.output()).not.toMatch(/creating container/);
    const after = await instanceContainers(home);
    expect(after.map((c) => c.Id)).toEqual([before[0].Id]);
    const r = await fetch(`${m[1]}/production/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"ab"}' });
    expect(r.status).toBe(200);

    b.proc.kill('SIGINT');
    expect(await b.exited).toBe(0);
    expect(await instanceContainers(home)).toEqual([]);
    expect(leftoverSecretFiles(home)).toEqual([]);
  });
});
