// Opens a deployment's gateway (electron/engine/gateway) on its remembered port and adapts
// it to the narrow GatewayPort the Deployment drives. Open gateways are kept in a registry
// so a settings change or a new gateway key reaches the running ones (service/runtime.ts).
import type { RunPlan } from '../../../shared/plan.js';
import type { GatewayMetrics } from '../../../shared/deployment.js';
import { BerthError } from '../../../shared/errors.js';
import { Gateway, type GatewayAccess } from '../gateway/index.js';
import type { GatewayPort } from './deployment-env.js';
import type { RequestLogs } from '../gateway/history/request-log.js';

export interface OpenGatewayOptions {
  host: string;
  port: number;
  apiKey: string | null;
  requireKey: boolean;
  /** Where the open gateway is registered; default: this process's `openGateways`. */
  registry?: GatewayRegistry;
  /** Request history: the deployment's log in it records every request. */
  history?: RequestLogs | null;
}

/** What a client on this machine uses: a wildcard bind is reached through loopback. */
function clientUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

export interface GatewayApplyFailure {
  deploymentId: string;
  error: BerthError;
}

/** The open gateways, by deployment, so access settings can be applied to running ones. */
export class GatewayRegistry {
  private readonly live = new Map<Gateway, string>();

  add(deploymentId: string, gw: Gateway): void {
    this.live.set(gw, deploymentId);
  }

  remove(gw: Gateway): void {
    this.live.delete(gw);
  }

  /** Deployment ids with an open gateway. */
  deploymentIds(): string[] {
    return [...new Set(this.live.values())];
  }

  /**
   * Applies `access` to every open gateway (only those of `deploymentIds` when given: one
   * runtime's deployments). Resolves with what failed (a re-bind that could not happen);
   * the others are applied.
   */
  async apply(access: GatewayAccess, deploymentIds?: ReadonlySet<string>): Promise<GatewayApplyFailure[]> {
    const failures: GatewayApplyFailure[] = [];
    await Promise.all(
      [...this.live].map(async ([gw, id]) => {
        if (deploymentIds && !deploymentIds.has(id)) return;
        try {
          await gw.reconfigure(access);
        } catch (err) {
          failures.push({ deploymentId: id, error: err instanceof BerthError ? err : new BerthError('INTERNAL', (err as Error).message, 'Restart the deployment.') });
        }
      }),
    );
    return failures;
  }
}

/** This process's open gateways. */
export const openGateways = new GatewayRegistry();

export async function openGateway(plan: RunPlan, o: OpenGatewayOptions): Promise<GatewayPort> {
  // Secret values are known before the first request, so none reaches the history unredacted.
  await o.history?.refreshSecrets();
  const gw = new Gateway({
    history: o.history?.for(plan.deploymentId) ?? null,
    deploymentId: plan.deploymentId,
    host: o.host,
    port: o.port,
    predictEndpoint: plan.gateway.predictEndpoint,
    transport: plan.gateway.transport,
    predictConcurrency: plan.predictConcurrency,
    apiKey: o.apiKey,
    requireKey: o.requireKey,
  });
  const { port } = await gw.listen();
  const registry = o.registry ?? openGateways;
  registry.add(plan.deploymentId, gw);
  const listeners = new Set<(m: GatewayMetrics) => void>();
  return {
    // The bind host may change (exposure setting); the URL a local client uses follows it.
    get url() {
      return clientUrl(gw.host, port);
    },
    port,
    setUpstream: (u) => gw.setUpstream(u),
    setGate: (g) => gw.setGate(g),
    close: () => {
      registry.remove(gw);
      for (const fn of listeners) gw.off('metrics', fn);
      listeners.clear();
      return gw.close();
    },
    onMetrics: (fn: (m: GatewayMetrics) => void) => {
      // A wrapper per call: the same function registered twice is removed once per disposer.
      const l = (m: GatewayMetrics) => fn(m);
      listeners.add(l);
      gw.on('metrics', l);
      return () => {
        if (!listeners.delete(l)) return;
        gw.off('metrics', l);
      };
    },
  };
}
