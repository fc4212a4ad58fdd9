// Berth as a real child process for the reliability suite: `berth serve` bundled from the
// sources (into the git-ignored .berth-test/, so a build by someone else in dist/ cannot
// race us), started with a temp BERTH_HOME, driven over real HTTP and a real WebSocket with
// the token from the URL it prints (`Authorization: Bearer`).
//
//   const cli = await bundleCli();
//   const b = await startServe(cli, { home: home.dir });
//   await b.api('deployments.open', { path });      // -> { status, body }
//   b.events                                        // every WebSocket message so far
//   b.rssKb()                                       // resident memory of the process
//   await b.stop();                                 // SIGINT, waits for exit
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import WebSocket from 'ws';

export const REPO = path.resolve(__dirname, '../../..');

/** Bundles electron/cli/main.ts once per test file; returns the path of main.js. */
export async function bundleCli(): Promise<string> {
  const dir = path.join(REPO, '.berth-test', `reliability-${process.pid}-${randomBytes(3).toString('hex')}`);
  const out = path.join(dir, 'main.js');
  await build({
    entryPoints: [path.join(REPO, 'electron/cli/main.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return out;
}

export function removeBundle(cli: string): void {
  fs.rmSync(path.dirname(cli), { recursive: true, force: true });
}

export interface CliRun {
  proc: ChildProcess;
  output(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the bundled CLI with extra env; stdout and stderr are captured together. */
export function runCli(cli: string, args: string[], env: Record<string, string>): CliRun {
  const proc = spawn(process.execPath, [cli, ...args], {
    cwd: REPO,
    env: { ...process.env, BERTH_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  return { proc, output: () => out, exit };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms: number, stepMs = 100): Promise<T> {
  const end = Date.now() + ms;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface ApiResult {
  status: number;
  body: any;
}

export interface Berth extends CliRun {
  /** The server's root URL (without the token). */
  url: string;
  /** The access token from the printed URL; `api()` and the event stream send it. */
  token: string;
  /** Every message received on /api/events since start (hello, events). */
  events: any[];
  api(name: string, body?: unknown, timeoutMs?: number): Promise<ApiResult>;
  rssKb(): number;
  /** SIGINT (Ctrl-C) and wait for the process to exit; resolves its exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: no cleanup at all, as after a crash or `kill -9`. */
  kill9(): Promise<void>;
  /** Waits until deployments.get says `state` (or one of them); returns the detail. */
  waitState(id: string, states: string | string[], ms: number): Promise<any>;
  closeEvents(): void;
}

export interface ServeOptions {
  home: string;
  paths?: string[];
  env?: Record<string, string>;
  /** Connect the WebSocket event stream (default true). */
  events?: boolean;
  /**
   * `--allow` folders: configs the API may open besides `paths`. Default: the temp dir,
   * where the suites' fixture trusses are made.
   */
  allow?: string[];
}

export async function startServe(cli: string, o: ServeOptions): Promise<Berth> {
  const allow = (o.allow ?? [os.tmpdir()]).flatMap((d) => ['--allow', d]);
  const r = runCli(cli, ['serve', '--port', '0', ...allow, ...(o.paths ?? [])], { BERTH_HOME: o.home, BERTH_SERVE_TOKEN: '', ...(o.env ?? {}) });
  const [, url, token] = await Promise.race([
    until('the "Berth is serving on" line', () => /Berth is serving on (http:\/\/127\.0\.0\.1:\d+\/)\?token=([0-9a-f]+)/.exec(r.output()) ?? undefined, 60_000),
    r.exit.then((e) => {
      throw new Error(`berth serve exited (${e.code ?? e.signal}) before serving:\n${r.output()}`);
    }),
  ]);
  const events: any[] = [];
  let ws: WebSocket | null = null;
  if (o.events !== false) {
    ws = new WebSocket(`${url.replace('http', 'ws')}api/events`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('message', (d) => events.push(JSON.parse(String(d))));
    ws.on('error', () => undefined);
    await new Promise((res, rej) => {
      ws!.once('open', res);
      ws!.once('error', rej);
    });
  }
  const api = async (name: string, body: unknown = {}, timeoutMs = 60_000): Promise<ApiResult> => {
    const res = await fetch(`${url}api/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* keep text for the assertion message */
    }
    return { status: res.status, body: parsed };
  };
  const b: Berth = {
    ...r,
    url,
    token,
    events,
    api,
    rssKb: () => {
      const status = fs.readFileSync(`/proc/${r.proc.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    },
    async stop(timeoutMs = 60_000) {
      ws?.close();
      if (r.proc.exitCode !== null || r.proc.signalCode) return r.proc.exitCode;
      r.proc.kill('SIGINT');
      const t = setTimeout(() => r.proc.kill('SIGKILL'), timeoutMs);
      const e = await r.exit;
      clearTimeout(t);
      return e.code;
    },
    async kill9() {
      ws?.terminate();
      r.proc.kill('SIGKILL');
      await r.exit;
    },
    async waitState(id, states, ms) {
      const want = Array.isArray(states) ? states : [states];
      let last = '';
      let result: any;
      try {
        result = await until(
          `deployment ${id} to be ${want.join('|')}`,
          async () => {
            const d = await api('deployments.get', { id }, 10_000);
            const s = d.body?.result?.summary?.state;
            last = s ? `${s.name}: ${s.reason}` : JSON.stringify(d.body).slice(0, 300);
            if (s && want.includes(s.name)) return d.body.result;
            // failed is terminal until someone starts it again: no point waiting on.
            if (s?.name === 'failed') return { failed: true };
            return undefined;
          },
          ms,
          200,
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}; last state ${last}\n--- berth output ---\n${r.output().slice(-3000)}`);
      }
      if (result.failed) throw new Error(`deployment ${id} failed while waiting for ${want.join('|')}: ${last}`);
      return result;
    },
    closeEvents: () => ws?.close(),
  };
  return b;
}

/** Events of one channel (payloads) received so far. */
export function eventsOf(b: Berth, channel: string): any[] {
  return b.events.filter((m) => m.type === 'event' && m.channel === channel).map((m) => m.payload);
}
