// One SSH connection to a machine, in-process with ssh2. Why ssh2 and not the `ssh` binary:
// host-key policy stays in our hands (a changed key is refused with both fingerprints, never
// a prompt), a dropped connection is an event rather than a child's exit code, and exec,
// port forwarding and SFTP share the one connection without ControlMaster (absent on Windows).
// The user's keys, ssh-agent and ~/.ssh/config are used (ssh-target.ts); known_hosts is
// checked strictly (known-hosts.ts).
import { readFileSync } from 'node:fs';
// ssh2 is CommonJS: Node's ESM loader gives only its default export to the bundled CLI.
import ssh2, { type AnyAuthMethod, type Client as SshClient, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { BerthError } from '../../../shared/errors.js';
import { knownHostsName, preferredHostKeyAlgorithms, verifyHostKey, type HostKeyVerdict } from './known-hosts.js';
import type { SshTarget } from './ssh-target.js';

const { Client, utils } = ssh2;

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Loads the key files ssh would offer; passphrase-protected ones are named, not prompted for. */
function loadKeys(files: string[]): { keys: Array<{ file: string; key: Buffer }>; locked: string[] } {
  const keys: Array<{ file: string; key: Buffer }> = [];
  const locked: string[] = [];
  for (const file of files) {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch {
      continue;
    }
    const parsed = utils.parseKey(data);
    if (parsed instanceof Error) {
      if (/encrypted|passphrase/i.test(parsed.message)) locked.push(file);
      continue;
    }
    keys.push({ file, key: data });
  }
  return { keys, locked };
}

function hostKeyError(machine: string, t: SshTarget, v: HostKeyVerdict): BerthError {
  const where = knownHostsName(t.host, t.port);
  if (v.kind === 'changed') {
    return new BerthError(
      'BAD_REQUEST',
      `The host key of machine '${machine}' (${where}) has CHANGED: it presents ${v.presented}, but known_hosts has ${v.known.join(', ')}. Berth refuses to connect: this could be someone intercepting the connection.`,
      `If the machine was reinstalled or its keys replaced on purpose, check the new fingerprint with its administrator, then run: ssh-keygen -R '${where}' and connect once with ssh ${t.port === 22 ? '' : `-p ${t.port} `}${t.user}@${t.host} to accept it.`,
    );
  }
  if (v.kind === 'revoked') return new BerthError('BAD_REQUEST', `The host key of machine '${machine}' (${where}, ${v.presented}) is marked @revoked in known_hosts.`, 'Ask the machine\'s administrator: a revoked key must not be trusted.');
  const presented = v.kind === 'unknown' ? v.presented : '';
  return new BerthError(
    'BAD_REQUEST',
    `Machine '${machine}' (${where}) is not in known_hosts: its host key is ${presented}.`,
    `Check that fingerprint with the machine's administrator, then connect once with ssh ${t.port === 22 ? '' : `-p ${t.port} `}${t.user}@${t.host} and accept it (Berth never accepts a host key by itself).`,
  );
}

export class SshConnection {
  readonly client: SshClient = new Client();
  private closedListeners = new Set<(reason: string) => void>();
  private closed = false;

  private constructor(readonly machine: string, readonly target: SshTarget) {}

  /** Connects and authenticates, or rejects with a BerthError naming the machine and what to do. */
  static connect(machine: string, t: SshTarget, o: { timeoutMs?: number; keepaliveMs?: number } = {}): Promise<SshConnection> {
    const conn = new SshConnection(machine, t);
    const { keys, locked } = loadKeys(t.identityFiles);
    const methods: AnyAuthMethod[] = [];
    if (t.agent) methods.push({ type: 'agent', username: t.user, agent: t.agent });
    for (const k of keys) methods.push({ type: 'publickey', username: t.user, key: k.key });
    let verdict: HostKeyVerdict | null = null;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error & { level?: string; code?: string }) => {
        if (settled) return;
        settled = true;
        conn.client.destroy();
        if (verdict && verdict.kind !== 'match') return reject(hostKeyError(machine, t, verdict));
        if (err.level === 'client-authentication') {
          const tried = [t.agent ? 'ssh-agent' : null, ...keys.map((k) => k.file)].filter(Boolean).join(', ') || 'no key (no agent, no key files found)';
          return reject(
            new BerthError(
              'BAD_REQUEST',
              `Machine '${machine}' refused the SSH keys offered for ${t.user}@${t.host}:${t.port} (tried: ${tried}).`,
              locked.length
                ? `${locked.join(', ')} ${locked.length === 1 ? 'is' : 'are'} passphrase-protected: add ${locked.length === 1 ? 'it' : 'them'} to ssh-agent (ssh-add), then retry.`
                : `Check that your public key is in ~${t.user}/.ssh/authorized_keys there (ssh-copy-id ${t.user}@${t.host}), and that 'ssh ${t.user}@${t.host}' works.`,
            ),
          );
        }
        const code = err.code ?? '';
        if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return reject(new BerthError('BAD_REQUEST', `Machine '${machine}': no host named '${t.host}'.`, 'Check the name (or the HostName in ~/.ssh/config) and your network.'));
        if (code === 'ECONNREFUSED') return reject(new BerthError('ENGINE_UNAVAILABLE', `Machine '${machine}' refused the SSH connection on ${t.host}:${t.port}.`, 'Check that sshd runs there and the port is right.'));
        if (code === 'ETIMEDOUT' || /timed out/i.test(err.message)) return reject(new BerthError('ENGINE_UNAVAILABLE', `Machine '${machine}' (${t.host}:${t.port}) did not answer in time.`, 'Check that it is on and reachable (VPN, firewall).'));
        reject(new BerthError('ENGINE_UNAVAILABLE', `Machine '${machine}': SSH connection failed: ${err.message}.`, `Check that 'ssh ${t.user}@${t.host}' works from this computer.`));
      };
      conn.client.once('ready', () => {
        settled = true;
        resolve(conn);
      });
      conn.client.on('error', (err) => {
        if (!settled) fail(err);
        else conn.markClosed(`connection error: ${err.message}`);
      });
      conn.client.on('close', () => {
        if (!settled) fail(Object.assign(new Error('connection closed during the handshake'), { code: 'ECONNRESET' }));
        conn.markClosed('the SSH connection closed');
      });
      try {
        conn.client.connect({
          host: t.host,
          port: t.port,
          username: t.user,
          readyTimeout: o.timeoutMs ?? 20_000,
          // Keepalives find a dead link (laptop asleep, Wi-Fi gone) in ~3 missed intervals.
          keepaliveInterval: o.keepaliveMs ?? 10_000,
          keepaliveCountMax: 3,
          algorithms: { serverHostKey: preferredHostKeyAlgorithms(t.knownHostsFiles, t.host, t.port) as never },
          hostVerifier: (key: Buffer) => {
            verdict = verifyHostKey(t.knownHostsFiles, t.host, t.port, key);
            return verdict.kind === 'match';
          },
          authHandler: methods.length ? methods : [{ type: 'none', username: t.user }],
        });
      } catch (err) {
        fail(err as Error);
      }
    });
  }

  private markClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closedListeners) l(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(l: (reason: string) => void): () => void {
    this.closedListeners.add(l);
    return () => this.closedListeners.delete(l);
  }

  /** Runs a command through the remote user's shell; stdin is written then closed. */
  exec(command: string, o: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err: Error | undefined, ch: ClientChannel) => {
        if (err) return reject(new BerthError('ENGINE_UNAVAILABLE', `Machine '${this.machine}': could not run a command over SSH: ${err.message}.`, 'Check the connection and retry.'));
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        const timer = o.timeoutMs
          ? setTimeout(() => {
              ch.close();
              reject(new BerthError('ENGINE_UNAVAILABLE', `Machine '${this.machine}': '${command.slice(0, 80)}' did not finish in ${Math.round(o.timeoutMs! / 1000)} s.`, 'Retry; if it persists, run it there by hand with ssh to see why.'));
            }, o.timeoutMs)
          : null;
        ch.on('data', (b: Buffer) => (stdout += b.toString()));
        ch.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        ch.on('exit', (c: number | null) => (code = c));
        ch.on('close', () => {
          if (timer) clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        ch.end(o.stdin ?? '');
      });
    });
  }

  /** Runs a command with its output streamed (the CLI's `--on` for pure-CLI commands); resolves to its exit code. */
  execStream(command: string, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin?: string }): Promise<number> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err: Error | undefined, ch: ClientChannel) => {
        if (err) return reject(new BerthError('ENGINE_UNAVAILABLE', `Machine '${this.machine}': could not run a command over SSH: ${err.message}.`, 'Check the connection and retry.'));
        let code = 1;
        // `berth plan --on gpu1 | head`: a closed pipe ends the remote command, not this process.
        io.stdout.on('error', () => ch.close());
        ch.on('data', (b: Buffer) => io.stdout.write(b));
        ch.stderr.on('data', (b: Buffer) => io.stderr.write(b));
        ch.on('exit', (c: number | null) => (code = c ?? 1));
        ch.on('close', () => resolve(code));
        ch.end(io.stdin ?? '');
      });
    });
  }

  /** A stream to 127.0.0.1:port on the machine (a direct-tcpip channel: no port opened there). */
  forwardOut(port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (err: Error | undefined, ch: ClientChannel) => (err ? reject(err) : resolve(ch)));
    });
  }

  sftp(): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) => this.client.sftp((err: Error | undefined, s: SFTPWrapper) => (err ? reject(err) : resolve(s))));
  }

  close(): void {
    this.client.end();
    this.markClosed('closed by Berth');
  }
}
