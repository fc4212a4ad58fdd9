// Remote machines end to end over a real sshd on 127.0.0.1 (issue 14). The "GPU box" is this
// same machine with its own BERTH_HOME, reached through SSH as root with a key made here;
// Docker is shared, which is fine: the remote serve owns the container. Nothing is mocked
// except that this machine has no GPU (the minimal fixture runs without one).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCli, type Child } from '../../helpers/berth-cli.js';
import { hostKeyFingerprint, startSshd, type TestSshd } from '../../helpers/sshd.js';
import { tmpDir } from '../../helpers/tmp.js';

const ROOT = resolve(__dirname, '../../..');
const TRUSSES = join(ROOT, 'test/fixtures/trusses');
const tmp = tmpDir('berth-remote-');
const remoteHome = join(tmp.dir, 'remote-berth');
let sshd: TestSshd;
let laptopEnv: Record<string, string>;

/** The laptop's berth: its own BERTH_HOME and HOME (so its ~/.ssh is the test's), no agent. */
async function laptop(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; out: string }> {
  const c = berthCli(args, laptopEnv);
  const t = setTimeout(() => c.proc.kill('SIGKILL'), timeoutMs);
  const code = await c.exited;
  clearTimeout(t);
  return { code, out: c.output() };
}

/** sshd forks one child per connection: killing those drops the laptop's SSH connection. */
function dropSshConnections(): void {
  execFileSync('pkill', ['-KILL', '-P', String(sshd.proc.pid)]);
}

async function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, text: await r.text() };
}

beforeAll(async () => {
  sshd = await startSshd(tmp.dir);
  laptopEnv = { HOME: sshd.laptopHome, BERTH_HOME: join(tmp.dir, 'laptop-berth'), SSH_AUTH_SOCK: '' };
}, 30_000);

afterAll(async () => {
  // The remote serve was started detached through SSH: stop it (SIGINT: it removes its state file).
  try {
    const state = JSON.parse(readFileSync(join(remoteHome, 'remote', 'serve.json'), 'utf8')) as { pid: number };
    process.kill(state.pid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 3000));
  } catch {
    // not started
  }
  await sshd?.stop();
  tmp.cleanup();
}, 60_000);

describe('berth remote over a real sshd', () => {
  // Both sides run this checkout: the remote command is this repo's bin/berth.js with the
  // remote BERTH_HOME; no systemd user manager in a container, so the detached start is used.
  const command = () => `env BERTH_HOME=${remoteHome} BERTH_REMOTE_NO_SYSTEMD=1 ${process.execPath} ${join(ROOT, 'bin/berth.js')}`;

  it('adds a machine, connects (starting berth serve there) and lists it with the no-GPU warning', async () => {
    const add = await laptop(['remote', 'add', 'gpu1', sshd.url, '--command', command(), '--allow', TRUSSES]);
    expect(add.out).toContain("added machine 'gpu1'");
    expect(add.code).toBe(0);
    const list = await laptop(['remote', 'list', '--connect']);
    expect(list.out).toMatch(/gpu1\s+ssh:\/\/root@127\.0\.0\.1:\d+\s+connected\s+\(Berth \d/);
    expect(list.out).toContain("No NVIDIA GPU found on machine 'gpu1'");
    const state = JSON.parse(readFileSync(join(remoteHome, 'remote', 'serve.json'), 'utf8')) as { pid: number; port: number };
    expect(state.port).toBeGreaterThan(0);
    // The token file is the account's alone.
    expect(execFileSync('stat', ['-c', '%a', join(remoteHome, 'remote', 'serve-token')], { encoding: 'utf8' }).trim()).toBe('600');
  }, 120_000);

  it('berth gpus --on goes through the remote API; plan --on runs berth plan there', async () => {
    const gpus = await laptop(['gpus', '--on', 'gpu1', '--json']);
    expect(gpus.code).toBe(0);
    expect(JSON.parse(gpus.out.slice(gpus.out.indexOf('{'))).gpus).toEqual([]);
    const plan = await laptop(['plan', '--on', 'gpu1', join(TRUSSES, 'minimal')]);
    expect(plan.out).toContain('berth-fixture/model-server:latest');
    expect(plan.code).toBe(0);
  }, 120_000);

  let run: Child;
  it('runs the fixture remotely and calls its gateway through the local forward', async () => {
    run = berthCli(['run', '--on', 'gpu1', join(TRUSSES, 'minimal')], laptopEnv);
    const m = await run.waitFor(/gateway \(forwarded here\): (http:\/\/127\.0\.0\.1:(\d+)\/environments\/production\/predict)/, 180_000);
    const r = await post(m[1], { prompt: 'hello' });
    expect(r.status, r.text).toBe(200);
  }, 200_000);

  it('reconnects after the SSH connection is killed, and the same forwarded URL works again', async () => {
    const url = run.output().match(/gateway \(forwarded here\): (\S+)/)![1];
    dropSshConnections();
    await run.waitFor(/\[gpu1\] Disconnected from machine 'gpu1'/, 30_000);
    await run.waitFor(/\[gpu1\] reconnected/, 60_000);
    const r = await post(url, { prompt: 'again' });
    expect(r.status, r.text).toBe(200);
    run.proc.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/stopping .* on gpu1/);
  }, 120_000);

  it('names the machine and says what to do for an unknown host, a refused key and no Berth there', async () => {
    // Another laptop: same key, empty known_hosts -> unknown host, never accepted silently.
    const other = join(tmp.dir, 'laptop2');
    execFileSync('mkdir', ['-p', join(other, '.ssh')]);
    execFileSync('cp', [join(sshd.laptopHome, '.ssh', 'id_ed25519'), join(other, '.ssh', 'id_ed25519')]);
    const env2 = { HOME: other, BERTH_HOME: join(tmp.dir, 'laptop2-berth'), SSH_AUTH_SOCK: '' };
    const run2 = async (args: string[]) => {
      const c = berthCli(args, env2);
      await c.exited;
      return c.output();
    };
    expect(await run2(['remote', 'add', 'gpu1', sshd.url])).toContain('added');
    let out = await run2(['remote', 'list', '--connect']);
    expect(out).toContain("Machine 'gpu1' ([127.0.0.1]:");
    expect(out).toContain('is not in known_hosts');
    // Known host now, but a key the server does not know.
    execFileSync('cp', [join(sshd.laptopHome, '.ssh', 'known_hosts'), join(other, '.ssh', 'known_hosts')]);
    execFileSync('rm', ['-f', join(other, '.ssh', 'id_ed25519')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(other, '.ssh', 'id_ed25519')]);
    out = await run2(['remote', 'list', '--connect']);
    expect(out).toContain("Machine 'gpu1' refused the SSH keys offered for root@127.0.0.1");
    expect(out).toContain('authorized_keys');
    // Right key, but the command there does not exist: say what to install.
    execFileSync('cp', [join(sshd.laptopHome, '.ssh', 'id_ed25519'), join(other, '.ssh', 'id_ed25519')]);
    expect(await run2(['remote', 'add', 'nob', sshd.url, '--command', 'berth-not-installed-here'])).toContain('added');
    out = await run2(['gpus', '--on', 'nob']);
    expect(out).toContain("Berth is not installed on machine 'nob'");
    expect(out).toMatch(/Node v\d+\.\d+\.\d+ is there/);
    expect(out).toContain('npm i -g');
  }, 120_000);

  it('refuses a changed host key and shows the new fingerprint', async () => {
    await sshd.changeHostKey();
    const list = await laptop(['remote', 'list', '--connect']);
    expect(list.out).toContain("The host key of machine 'gpu1'");
    expect(list.out).toContain('CHANGED');
    expect(list.out).toContain(hostKeyFingerprint(tmp.dir));
    expect(list.out).toContain('ssh-keygen -R');
  }, 60_000);
});
