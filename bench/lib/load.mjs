// Load generators for the benchmarks: wrk (closed loop, max throughput) and a paced
// open-loop Node client (fixed request rate, per-request latency).
import { spawn } from 'node:child_process';
import http from 'node:http';

function toMs(v) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60000;
}

/** Runs wrk with latency distribution; returns {rps, p50, p99, errors}. */
export function wrk(url, { connections = 32, seconds = 8, threads = 1 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const p50 = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
      const p99 = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const sockErr = /Socket errors: (.*)/.exec(out)?.[1] ?? null;
      if (!Number.isFinite(rps)) return reject(new Error(`wrk output not understood:\n${out}`));
      resolve({ rps, p50, p99, non2xx, socketErrors: sockErr });
    });
  });
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Sends GET url at a fixed rate for `seconds` (open loop: each request is due at its
 * slot whether or not earlier ones finished), over keep-alive connections.
 */
export async function paced(url, { rate = 1000, seconds = 5, warmupSeconds = 1 } = {}) {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const lat = [];
  let errors = 0;
  const total = Math.round(rate * (seconds + warmupSeconds));
  const warm = Math.round(rate * warmupSeconds);
  const t0 = performance.now();
  let sent = 0;
  let done = 0;
  await new Promise((resolve) => {
    const fire = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
      while (sent < due) {
        const i = sent++;
        const start = performance.now();
        const req = http.get({ host: u.hostname, port: u.port, path: u.pathname + u.search, agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (i >= warm) lat.push(performance.now() - start);
            if (++done === total) resolve();
          });
        });
        req.on('error', () => {
          errors++;
          if (++done === total) resolve();
        });
      }
      if (sent < total) setImmediate(fire);
    };
    fire();
  });
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { requests: lat.length, errors, p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99) };
}
