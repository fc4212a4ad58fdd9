// A running gateway follows its access settings, over real HTTP: a rotated key works at once
// and the old one is refused (keep-alive connections included), the require-key flag turns
// on and off, and the exposure setting re-binds the gateway on the same port. The runtime
// part drives the API commands (`settings.update`, `gateway.generateKey`) end to end.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunPlan } from '../../../shared/plan.js';
import { BerthError } from '../../../shared/errors.js';
import { GatewayRegistry, openGateway, openGateways } from '../../../electron/engine/supervisor/gateway-adapter.js';
import type { GatewayPort } from '../../../electron/engine/supervisor/deployment-env.js';
import { createBerthRuntime, type BerthRuntime } from '../../../electron/engine/service/runtime.js';
import type { DeploymentPort, SupervisorPort } from '../../../electron/engine/service/service-deps.js';
import { getGatewayApiKey } from '../../../electron/engine/store/index.js';
import { startFixtureProcess, type FixtureProcess } from './helpers.js';

const PREDICT = '/environments/production/predict';

function planFor(deploymentId: string): RunPlan {
  return { deploymentId, predictConcurrency: 4, gateway: { predictEndpoint: '/echo', transport: 'http', routes: [] } } as unknown as RunPlan;
}

/** A non-loopback IPv4 address of this machine, if it has one. */

interface Reply {
  status: number;
  body: string;
}

/** One keep-alive connection; request() sends one request and reads its whole answer. */
class KeepAlive {
  readonly sock: net.Socket;
  private buf = '';
  private closed = false;
  private wake: (() => void) | null = null;
  constructor(
    readonly host: string,
    port: number,
  ) {
    this.sock = net.connect({ host, port });
    this.sock.on('error', () => undefined);
    this.sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      this.wake?.();
    });
    this.sock.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }
  get isClosed(): boolean {
    return this.closed;
  }
  async request(auth: string | null, extra = ''): Promise<Reply> {
    this.sock.write(`POST ${PREDICT} HTTP/1.1\r\nHost: ${this.host}\r\nContent-Length: 2\r\n${auth ? `Authorization: ${auth}\r\n` : ''}${extra}\r\n{}`);
    const deadline = Date.now() + 5000;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        const head = this.buf.slice(0, end);
        const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? '0');
        if (this.buf.length >= end + 4 + len) {
          const body = this.buf.slice(end + 4, end + 4 + len);
          this.buf = this.buf.slice(end + 4 + len);
          return { status: Number(head.slice(9, 12)), body };
        }
      }
      if (this.closed) throw new Error(`connection closed; have ${JSON.stringify(this.buf)}`);
      if (Date.now() > deadline) throw new Error(`no answer; have ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
  }
  close(): void {
    this.sock.destroy();
  }
}

/** One request on a fresh connection (fast path, or Node's with `Connection: close`). */
async function once(host: string, port: number, auth: string | null, extra = ''): Promise<Reply> {
  const c = new KeepAlive(host, port);
  try {
    return await c.request(auth, extra);
  } finally {
    c.close();
  }
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

let up: FixtureProcess;
beforeAll(async () => {
  up = await startFixtureProcess({ FIXTURE_TOKENS_PER_SEC: '0' });
});
afterAll(async () => {
  await up?.stop();
});

async function open(registry: GatewayRegistry, id: string, o: { host?: string; apiKey: string | null; requireKey: boolean }): Promise<GatewayPort> {
  const g = await openGateway(planFor(id), { host: o.host ?? '127.0.0.1', port: 0, apiKey: o.apiKey, requireKey: o.requireKey, registry });
  g.setUpstream({ host: '127.0.0.1', port: up.port });
  g.setGate({ ready: true, state: 'ready', reason: '' });
  return g;
}

describe('running gateways follow their access settings', () => {
  it('a rotated key works at once and the old one is refused, on open keep-alive connections too', async () => {
    const reg = new GatewayRegistry();
    const g = await open(reg, 'dep-key', { apiKey: 'old-key', requireKey: true });
    const conn = new KeepAlive('127.0.0.1', g.port);
    expect((await conn.request('Api-Key old-key')).status).toBe(200);
    expect(await reg.apply({ apiKey: 'new-key', requireKey: true })).toEqual([]);
    for (const extra of ['', 'Connection: close\r\n']) {
      expect((await once('127.0.0.1', g.port, 'Api-Key old-key', extra)).status, extra).toBe(401);
      expect((await once('127.0.0.1', g.port, 'Bearer new-key', extra)).status, extra).toBe(200);
    }
    expect((await conn.request('Api-Key old-key')).status).toBe(401);
    expect((await conn.request('Api-Key new-key')).status).toBe(200);
    // The new key is the gateway's: consumed, not forwarded to the model server.
    const echoed = JSON.parse((await conn.request('Api-Key new-key')).body);
    expect(echoed.headers.authorization).toBeUndefined();
    conn.close();
    await g.close();
  });

  it('turns the require-key flag on and off', async () => {
    const reg = new GatewayRegistry();
    const g = await open(reg, 'dep-flag', { apiKey: 'k1', requireKey: false });
    expect((await once('127.0.0.1', g.port, null)).status).toBe(200);
    await reg.apply({ apiKey: 'k1', requireKey: true });
    expect((await once('127.0.0.1', g.port, null)).status).toBe(401);
    expect((await once('127.0.0.1', g.port, 'Api-Key k1')).status).toBe(200);
    await reg.apply({ apiKey: 'k1', requireKey: false });
    expect((await once('127.0.0.1', g.port, null)).status).toBe(200);
    // Requiring a key that does not exist is refused, and nothing changes.
    const failed = await reg.apply({ apiKey: null, requireKey: true });
    expect(failed).toHaveLength(1);
    expect(failed[0].error).toBeInstanceOf(BerthError);
    expect((await once('127.0.0.1', g.port, null)).status).toBe(200);
    await g.close();
  });

  // Another loopback address stands for "beyond 127.0.0.1": a gateway bound to 127.0.0.1
  // refuses it, one bound to 0.0.0.0 accepts it. Tests never send traffic off this machine.
  const OTHER = '127.0.0.2';
  it('re-binds on the same port when exposure turns on and off', async () => {
    const reg = new GatewayRegistry();
    const g = await open(reg, 'dep-expose', { apiKey: 'lan-key', requireKey: false });
    const port = g.port;
    expect(await refused(OTHER, port)).toBe(true);
    expect(await reg.apply({ host: '0.0.0.0', apiKey: 'lan-key', requireKey: false })).toEqual([]);
    expect(g.port).toBe(port);
    expect(g.url).toBe(`http://127.0.0.1:${port}`);
    // Bound to every address now, and only with the key (loopback too).
    expect((await once(OTHER, port, null)).status).toBe(401);
    expect((await once(OTHER, port, 'Api-Key lan-key')).status).toBe(200);
    expect((await once('127.0.0.1', port, null)).status).toBe(401);
    const local = new KeepAlive('127.0.0.1', port);
    expect((await local.request('Api-Key lan-key')).status).toBe(200);

    expect(await reg.apply({ host: '127.0.0.1', apiKey: 'lan-key', requireKey: false })).toEqual([]);
    expect(await refused(OTHER, port)).toBe(true);
    // This machine's connection keeps working, keyless again.
    expect((await local.request(null)).status).toBe(200);
    expect((await once('127.0.0.1', port, null)).status).toBe(200);
    local.close();
    await g.close();
  });

  it('a re-bind that cannot happen keeps the old binding and says to restart', async () => {
    const reg = new GatewayRegistry();
    const g = await open(reg, 'dep-clash', { apiKey: 'k', requireKey: false });
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(g.port, OTHER, () => r()));
    const failed = await reg.apply({ host: '0.0.0.0', apiKey: 'k', requireKey: false });
    expect(failed).toHaveLength(1);
    expect(failed[0].deploymentId).toBe('dep-clash');
    expect(failed[0].error.hint).toMatch(/Restart the deployment/);
    expect(failed[0].error.message).toMatch(/still listens on 127\.0\.0\.1/);
    expect((await once('127.0.0.1', g.port, null)).status).toBe(200);
    await new Promise((r) => squatter.close(r));
    await g.close();
  });

  it('stops calling a metrics listener once disposed, and close() removes the rest', async () => {
    const reg = new GatewayRegistry();
    const g = await open(reg, 'dep-metrics', { apiKey: null, requireKey: false });
    let a = 0;
    let b = 0;
    const offA = g.onMetrics!(() => a++);
    g.onMetrics!(() => b++);
    await once('127.0.0.1', g.port, null);
    await new Promise((r) => setTimeout(r, 1100));
    expect(a).toBeGreaterThan(0);
    offA();
    offA();
    const seenA = a;
    const seenB = b;
    await once('127.0.0.1', g.port, null);
    await new Promise((r) => setTimeout(r, 1100));
    expect(a).toBe(seenA);
    expect(b).toBeGreaterThan(seenB);
    expect(reg.deploymentIds()).toEqual(['dep-metrics']);
    await g.close();
    expect(reg.deploymentIds()).toEqual([]);
  });
});

describe('the runtime carries settings and key rotation to running gateways', () => {
  let dir: string;
  let runtime: BerthRuntime;
  let g: GatewayPort;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'berth-gw-reconf-'));
    const deployment = { id: 'dep-runtime', subscribe: () => () => undefined, summary: () => ({ gatewayUrl: g?.url ?? null }), plan: () => null } as unknown as DeploymentPort;
    const supervisor = {
      list: () => [deployment],
      get: (id: string) => (id === deployment.id ? deployment : undefined),
      open: async () => deployment,
      close: async () => undefined,
      validateText: async () => ({ issues: [] }),
      shutdown: async () => undefined,
    } as unknown as SupervisorPort;
    runtime = await createBerthRuntime({ dataDir: dir, resourcesDir: path.resolve('resources'), createSupervisor: async () => supervisor });
    // The deployment's gateway, opened as default-env opens it (the process registry).
    g = await open(openGateways, 'dep-runtime', { apiKey: null, requireKey: false });
  });
  afterAll(async () => {
    await g?.close();
    await runtime?.shutdown({ keepRunning: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('requires a key when the setting turns on, and the rotated key replaces the old one', async () => {
    expect((await once('127.0.0.1', g.port, null)).status).toBe(200);
    await runtime.service.call('settings.update', { patch: { gatewayRequireKeyOnLoopback: true } });
    expect((await once('127.0.0.1', g.port, null)).status).toBe(401);
    const first = await getGatewayApiKey(runtime.secrets);
    expect(first).toBeTruthy();
    expect((await once('127.0.0.1', g.port, `Api-Key ${first}`)).status).toBe(200);

    const { key } = await runtime.service.call('gateway.generateKey', {});
    expect(key).not.toBe(first);
    expect((await once('127.0.0.1', g.port, `Api-Key ${first}`)).status).toBe(401);
    expect((await once('127.0.0.1', g.port, `Api-Key ${key}`)).status).toBe(200);

    await runtime.service.call('settings.update', { patch: { gatewayRequireKeyOnLoopback: false } });
    expect((await once('127.0.0.1', g.port, null)).status).toBe(200);
  });

  it('re-binds a running gateway when exposure is switched on and off', async () => {
    const lan = '127.0.0.2'; // another loopback address: reachable only once bound to 0.0.0.0
    const port = g.port;
    expect(await refused(lan, port)).toBe(true);
    await runtime.service.call('settings.update', { patch: { gatewayExpose: true } });
    const key = await getGatewayApiKey(runtime.secrets);
    expect((await once(lan, port, `Api-Key ${key}`)).status).toBe(200);
    expect((await once(lan, port, null)).status).toBe(401);
    const info = await runtime.service.call('gateway.info', {});
    expect(info.host).toBe('0.0.0.0');
    await runtime.service.call('settings.update', { patch: { gatewayExpose: false } });
    expect(await refused(lan, port)).toBe(true);
    expect((await once('127.0.0.1', port, null)).status).toBe(200);
  });
});
