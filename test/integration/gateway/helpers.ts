// The gateway tests' upstream: the fixture model server run as a plain Node process on
// 127.0.0.1, plus a raw HTTP client (fetch would normalise '..' before sending).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../../helpers/ports.js';
import { waitForHttp } from '../../helpers/http.js';
import { Gateway, type GatewayOptions } from '../../../electron/engine/gateway/index.js';

const SERVER = path.resolve('test/fixtures/model-server/server.mjs');

export interface FixtureProcess {
  port: number;
  url: string;
  stats(): Promise<{ inFlight: number; maxInFlight: number; total: number; aborted: number; completed: number }>;
  resetStats(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFixtureProcess(env: Record<string, string> = {}): Promise<FixtureProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [SERVER, '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, { timeoutMs: 15_000 });
  return {
    port,
    url,
    async stats() {
      return (await fetch(`${url}/stats`)).json();
    },
    async resetStats() {
      await fetch(`${url}/stats/reset`, { method: 'POST' });
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

export async function startGateway(upstreamPort: number | null, opts: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const gw = new Gateway({
    deploymentId: 'gw-test',
    predictEndpoint: '/predict',
    transport: 'http',
    predictConcurrency: 4,
    apiKey: null,
    requireKey: false,
    ...opts,
  });
  await gw.listen();
  if (upstreamPort !== null) gw.setUpstream({ host: '127.0.0.1', port: upstreamPort });
  gw.setGate({ ready: true, state: 'ready', reason: 'test' });
  return gw;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

/** Sends the path exactly as given (no URL normalisation). */
export function rawRequest(port: number, method: string, p: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any = null;
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}
