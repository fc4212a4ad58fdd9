// One HTTP probe against the container's published 127.0.0.1 port. A keep-alive agent per
// deployment keeps the 100 ms startup polling cheap; a short timeout means a hanging
// endpoint counts as a failure instead of stalling the probe loop.
import http from 'node:http';
import type { ProbeResult } from '../../../shared/deployment.js';

export function createProbeAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 4, keepAliveMsecs: 1000 });
}

function describeError(err: NodeJS.ErrnoException, port: number, timeoutMs: number): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused on 127.0.0.1:${port} (server not listening yet)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset by the server';
    case 'ETIMEDOUT_PROBE':
      return `no answer within ${timeoutMs} ms`;
    default:
      return err.code ? `${err.code}: ${err.message}` : err.message;
  }
}

export function probeOnce(
  kind: ProbeResult['kind'],
  port: number,
  path: string,
  timeoutMs: number,
  agent: http.Agent,
): Promise<ProbeResult> {
  const time = Date.now();
  const t0 = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, status: number | null, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ kind, time, ok, status, latencyMs: Math.round((performance.now() - t0) * 10) / 10, ...(error ? { error } : {}) });
    };
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', agent, headers: { 'user-agent': 'berth-probe' } }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => done(status >= 200 && status < 400, status));
      res.on('error', (e) => done(false, status, describeError(e as NodeJS.ErrnoException, port, timeoutMs)));
    });
    const timer = setTimeout(() => {
      const e = Object.assign(new Error('timeout'), { code: 'ETIMEDOUT_PROBE' });
      done(false, null, describeError(e, port, timeoutMs));
      req.destroy(e);
    }, timeoutMs);
    req.on('error', (e) => done(false, null, describeError(e as NodeJS.ErrnoException, port, timeoutMs)));
    req.end();
  });
}
