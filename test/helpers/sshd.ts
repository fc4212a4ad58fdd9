// A real OpenSSH server (Debian's openssh-server) on 127.0.0.1 for the remote-machine tests:
// its own config, host key and authorized key, all made here in a temp dir; plus a "laptop"
// home whose ~/.ssh holds the client key and a known_hosts with the server's key.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  port: number;
  /** The laptop's home: .ssh/id_ed25519 and .ssh/known_hosts (with this server's key). */
  laptopHome: string;
  url: string;
  proc: ChildProcess;
  log(): string;
  /** Replaces the host key and restarts sshd (the laptop's known_hosts keeps the old one). */
  changeHostKey(): Promise<void>;
  stop(): Promise<void>;
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

export async function startSshd(dir: string): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server (apt-get install -y openssh-server; .ci/run does it).`);
  const server = join(dir, 'sshd');
  const laptopHome = join(dir, 'laptop');
  mkdirSync(server, { recursive: true });
  mkdirSync(join(laptopHome, '.ssh'), { recursive: true, mode: 0o700 });
  // Privilege separation needs this directory; a fresh container may not have it.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(server, 'host_ed25519');
  keygen(hostKey, 'berth-test-host');
  const clientKey = join(laptopHome, '.ssh', 'id_ed25519');
  keygen(clientKey, 'berth-test-laptop');
  writeFileSync(join(server, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const port = await freePort();
  const writeKnownHosts = () => writeFileSync(join(laptopHome, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  writeKnownHosts();
  const config = join(server, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(server, 'authorized_keys')}`,
      `PidFile ${join(server, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding local',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  let out = '';
  let proc!: ChildProcess;
  const start = async () => {
    proc = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 10_000;
    while (!/Server listening/.test(out)) {
      if (proc.exitCode !== null) throw new Error(`sshd exited ${proc.exitCode}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`sshd did not start in 10 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    laptopHome,
    url: `ssh://root@127.0.0.1:${port}`,
    get proc() {
      return proc;
    },
    log: () => out,
    async changeHostKey() {
      await stop();
      execFileSync('rm', ['-f', hostKey, `${hostKey}.pub`]);
      keygen(hostKey, 'berth-test-host-new');
      out = '';
      await start();
    },
    stop,
  };
}

/** The new host key's fingerprint as ssh-keygen prints it (SHA256:...). */
export function hostKeyFingerprint(dir: string): string {
  return execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'sshd', 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1];
}
