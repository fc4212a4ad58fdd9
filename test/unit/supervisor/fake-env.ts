// A DeploymentEnv double for lifecycle unit tests: the "container" is an in-process HTTP
// server (so probes are real HTTP on 127.0.0.1), and exits are delivered as engine events
// the way watchEngineEvents would. Docker and GPUs cannot be used in unit tests: GPUs are
// faked (none here) as a described GpuInfo list, held in the REAL GpuLedger, so lifecycle
// tests exercise acquisition and release as the engine wiring does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BerthError } from '../../../shared/errors.js';
import type { RunPlan } from '../../../shared/plan.js';
import type { GpuInfo } from '../../../shared/gpu.js';
import { GpuLedger } from '../../../electron/engine/gpu/ledger.js';
import type { ContainerEvent, ContainerFacts, ContainerRef, DeploymentEnv, GatewayGate } from '../../../electron/engine/supervisor/deployment-env.js';

export interface Behaviour {
  /** readiness status as a function of ms since the server started */
  ready(ms: number): number;
  live(ms: number): number | 'hang';
}

export function testPlan(over: Partial<RunPlan> = {}): RunPlan {
  return {
    deploymentId: 'dep-1', modelName: 'm', configPath: '/x/config.yaml', trussDir: '/x', image: 'img:1', movingTag: false, build: null,
    runImage: 'img:1', entrypoint: ['sh', '-c', 'x'], env: {}, secrets: [], dataMount: null, serverPort: 8000, gpu: null, user: null,
    shmSizeBytes: 0, nanoCpus: null, memoryBytes: null, hfCache: null, weights: [], weightsView: null, transferCli: null, labels: {},
    probes: { readinessPath: '/health', livenessPath: '/live', periodMs: 100, startupPollMs: 20, startupThresholdS: 2, stopTrafficThresholdS: 0.3, restartThresholdS: 0.3, restartCheckDelayS: 0 },
    gateway: { predictEndpoint: '/predict', transport: 'http', routes: [] }, predictConcurrency: 1, warnings: [], planHash: 'h1', ...over,
  };
}

/** A described GPU (this machine has none): what nvidia-smi would report for it. */
export function fakeGpu(index: number, gib = 80, name = 'NVIDIA H100 80GB HBM3'): GpuInfo {
  return { index, uuid: `GPU-fake-${index}`, name, memoryTotalMiB: gib * 1024, memoryUsedMiB: 0, utilizationPct: 0, temperatureC: 30, powerDrawW: 60, powerLimitW: 700 };
}

export class FakeEnv {
  /** The real ledger; pass one to share it between deployments. */
  ledger: GpuLedger;
  /** The machine's GPUs (described; GPUs faked: none here). */
  gpus: GpuInfo[] = [fakeGpu(0), fakeGpu(1)];
  allowSharing = false;
  /** prepare() calls (one per start: the plan is built once). */
  prepares = 0;
  /** While set, planning waits on it once this deployment holds GPUs (a slow load after the reservation). */
  planningHold: Promise<void> | null = null;
  /** While set, the image step waits on it (a long pull). */
  pullHold: Promise<void> | null = null;
  gates: GatewayGate[] = [];
  upstreams: Array<{ host: string; port: number } | null> = [];
  events: ((ev: ContainerEvent) => void) | null = null;
  starts = 0;
  removed = 0;
  exitCode: number | null = null;
  server: http.Server | null = null;
  port = 0;
  secretsMissing: string[] = [];
  firstOkAt = 0;
  private t0 = 0;
  constructor(public plan: RunPlan, public b: Behaviour, o: { ledger?: GpuLedger; id?: string } = {}) {
    this.ledger = o.ledger ?? new GpuLedger();
    this.id = o.id ?? 'dep-1';
  }
  readonly id: string;

  async listen(): Promise<void> {
    this.t0 = Date.now();
    this.exitCode = null;
    this.server = http.createServer((req, res) => {
      const ms = Date.now() - this.t0;
      if (req.url === '/live') {
        const s = this.b.live(ms);
        if (s === 'hang') return;
        res.writeHead(s).end();
        return;
      }
      const st = this.b.ready(ms);
      if (st === 200 && !this.firstOkAt) this.firstOkAt = Date.now();
      res.writeHead(st).end();
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  systemLines: string[] = [];
  weightsFetches = 0;
  /** When set, fetchWeights hangs like a long download until its signal aborts (then rejects as the real one does). */
  weightsHang = false;
  weightsAborted = false;
  containersCreated = 0;
  gatewaysOpened: string[] = [];
  gatewaysClosed = 0;
  confirmed: Array<[string, number]> = [];
  /** How many next container starts the engine refuses (a restarting engine, say). */
  failStarts = 0;
  /** Simulates the process exiting (crash or external kill). */
  async crash(code: number): Promise<void> {
    await this.close();
    this.exitCode = code;
    this.events?.({ action: 'die', containerId: 'c1', time: Date.now(), exitCode: code });
  }

  env(): DeploymentEnv {
    const self = this;
    const ref: ContainerRef = {
      id: 'c1', name: 'berth-dep-1', secretsDir: null,
      get hostPort() { return self.port; },
      async start() {
        self.starts++;
        if (self.failStarts > 0) {
          self.failStarts--;
          throw new BerthError('CONTAINER_FAILED', 'Docker could not run berth-dep-1: the engine is shutting down', 'retry');
        }
        await self.listen();
      },
      async stop() { await self.close(); self.exitCode = 0; },
      async remove() { self.removed++; },
    };
    return {
      prepare: async (_path, o) => {
        this.prepares++;
        let plan = this.plan;
        const ask = plan.gpu && !o.cpuOnly ? { accelerator: plan.gpu.accelerator, count: plan.gpu.count } : null;
        // As prepareDeployment: reserve from the request first, then the plan carries the grant.
        if (ask && o.acquireGpus) plan = { ...plan, gpu: { ...plan.gpu!, deviceIds: o.acquireGpus(ask, this.gpus) } };
        else if (ask && o.heldGpuIds?.length) plan = { ...plan, gpu: { ...plan.gpu!, deviceIds: [...o.heldGpuIds] } };
        if (this.planningHold && this.ledger.held()[this.id]) await this.planningHold;
        return { plan, issues: [], configText: '', modelName: 'm' };
      },
      // The real ledger, wired as default-env.ts wires it (sharing from the setting).
      gpus: {
        acquire: (id, ask, gpus, o) => this.ledger.acquire(id, ask, gpus, { allowSharing: this.allowSharing, ...(o?.adopt ? { adopt: o.adopt } : {}) }),
      },
      resolveSecrets: async () => {
        if (this.secretsMissing.length) throw new BerthError('SECRET_MISSING', `secret ${this.secretsMissing.join(', ')} has no value`, 'set it with `berth secrets set NAME`');
        return {};
      },
      ensureImage: async (_p, o) => { if (this.pullHold) await this.pullHold; o.onProgress({ image: 'img:1', layers: [], bytesDone: 1, bytesTotal: 1, fraction: 1 }); return { id: 'sha256:x', pulled: false }; },
      buildImage: async () => {},
      fetchWeights: async (_p, o) => {
        this.weightsFetches++;
        if (this.weightsHang) {
          await new Promise<void>((_, reject) => o.signal.addEventListener('abort', () => {
            this.weightsAborted = true;
            reject(o.signal.reason);
          }, { once: true }));
        }
        o.onProgress({ totalBytes: 10, doneBytes: 10, rate: 0, etaS: null, filesTotal: 1, filesDone: 1, filesCached: 0, active: [], message: 'fake' });
        return { warnings: [], summary: 'weights fake@main (all from the cache)' };
      },
      createContainer: async () => {
        this.containersCreated++;
        return ref;
      },
      attachContainer: () => ref,
      inspectContainer: async (): Promise<ContainerFacts | null> => ({ id: 'c1', name: 'berth-dep-1', running: !!this.server, exitCode: this.exitCode, oomKilled: false, labels: {}, hostPort: this.port, gpuDeviceIds: [], secretsDir: null }),
      followLogs: () => () => {},
      log: { system: (t) => { this.systemLines.push(t); }, lastLines: () => ['loading weights', 'RuntimeError: boom'] },
      confirmGpus: async (id, wanted) => { this.confirmed.push([id, wanted]); return `the container sees ${wanted} GPU(s): GPU 0: Fake (UUID: GPU-x)`; },
      openGateway: async (plan) => {
        this.gatewaysOpened.push(plan.gateway.predictEndpoint);
        return {
          url: 'http://127.0.0.1:1', port: 1,
          setUpstream: (u) => this.upstreams.push(u),
          setGate: (g) => this.gates.push(g),
          close: async () => { this.gatewaysClosed++; },
        };
      },
    };
  }
}
