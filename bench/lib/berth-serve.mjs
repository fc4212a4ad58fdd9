// Runs the real `berth serve` as a child process for the engine benchmarks and talks to it
// the way the UI does: POST /api/<command> and the WebSocket /api/events, with the token
// from the URL it prints (`Authorization: Bearer`).
//
// The CLI is bundled from source by esbuild (same options as scripts/build.mjs) into
// node_modules/.cache/berth-bench/, not dist/: other work rebuilds dist/ concurrently, and
// packages stay external so they resolve from node_modules like the shipped build.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { root, sleep } from './common.mjs';

let bundled = null;
/** Bundles electron/cli/main.ts once per process; returns the .mjs path. */
export function bundleBerthCli() {
  bundled ??= (async () => {
    const dir = path.join(root, 'node_modules/.cache/berth-bench');
    mkdirSync(dir, { recursive: true });
    const outfile = path.join(dir, `cli-${process.pid}.mjs`);
    await build({
      entryPoints: [path.join(root, 'electron/cli/main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      packages: 'external',
      logLevel: 'error',
    });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return bundled;
}

/**
 * Starts `berth serve --port 0` with its own BERTH_HOME. Resolves once it prints its URL.
 * `stop()` sends SIGTERM (Berth stops the containers it started) and waits for the exit.
 */
export async function startServe({ paths = [], env = {}, nodeArgs = [], timeoutMs = 30_000 } = {}) {
  const cli = await bundleBerthCli();
  const home = mkdtempSync(path.join(os.tmpdir(), 'bench-berth-home-'));
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the serve process.
  const extra = [...nodeArgs, ...(process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...extra, cli, 'serve', '--port', '0', ...paths], {
    cwd: root,
    env: { ...process.env, BERTH_HOME: home, BERTH_SERVE_TOKEN: '', BERTH_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const urlP = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`berth serve did not start in ${timeoutMs} ms. Output:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /Berth is serving on (http:\/\/\S+?\/)\?token=([0-9a-f]+)/.exec(out);
      if (m) {
        clearTimeout(t);
        child.stdout.off('data', check);
        resolve({ url: m[1], token: m[2] });
      }
    };
    child.stdout.on('data', check);
    exited.then(({ code, sig }) => {
      clearTimeout(t);
      reject(new Error(`berth serve exited (${code ?? sig}) before serving. Output:\n${out}`));
    });
  });
  let url;
  let token;
  try {
    ({ url, token } = await urlP);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
    throw err;
  }

  async function api(name, input) {
    const res = await fetch(`${url}api/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: input === undefined ? undefined : JSON.stringify(input),
      signal: AbortSignal.timeout(120_000),
    });
    const body = await res.json();
    if (!body.ok) throw new Error(`${name}: ${body.error?.message}${body.error?.hint ? ` (${body.error.hint})` : ''}`);
    return body.result;
  }

  let stopped = null;
  return {
    child,
    pid: child.pid,
    url,
    token,
    home,
    api,
    output: () => out,
    subscribe: () => EventTap.connect(url, token),
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
        rmSync(home, { recursive: true, force: true });
      })()),
  };
}

/**
 * One API subscriber: records every event with the time it arrived here, and lets callers
 * wait for one. `onEvent` hooks see each message as it arrives (for counters that must
 * not keep 200k lines around).
 */
export class EventTap {
  events = [];
  hooks = new Set();
  keep = true;

  static async connect(url, token) {
    const tap = new EventTap();
    tap.ws = new WebSocket(`${url.replace(/^http/, 'ws')}api/events`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    tap.ws.on('message', (data) => {
      const at = Date.now();
      const msg = JSON.parse(String(data));
      if (msg.type !== 'event') return;
      for (const h of tap.hooks) h(msg, at);
      if (tap.keep && msg.channel !== 'deployment.log') tap.events.push({ at, channel: msg.channel, payload: msg.payload });
    });
    await new Promise((resolve, reject) => {
      tap.ws.once('open', resolve);
      tap.ws.once('error', reject);
    });
    return tap;
  }

  onEvent(fn) {
    this.hooks.add(fn);
    return () => this.hooks.delete(fn);
  }

  /** Resolves with the first recorded event (from index `from`) matching `pred`. */
  async waitFor(what, pred, timeoutMs, from = 0) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.events.length; i++) if (pred(this.events[i])) return this.events[i];
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(5);
    }
  }

  close() {
    this.ws?.close();
  }
}

/** Waits for a deployment to reach `ready`, failing fast (with its reason) if it fails. */
export async function waitReady(tap, id, timeoutMs, from = 0) {
  const ev = await tap.waitFor(`deployment ${id} to be ready`, (e) => e.channel === 'deployment.state' && e.payload.id === id && ['ready', 'failed', 'crash_loop'].includes(e.payload.state.name), timeoutMs, from);
  if (ev.payload.state.name !== 'ready') throw new Error(`deployment ${id} went ${ev.payload.state.name}: ${ev.payload.state.reason}`);
  return ev;
}
