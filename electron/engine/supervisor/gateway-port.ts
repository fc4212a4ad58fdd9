// Opens a deployment's gateway (electron/engine/gateway) on its remembered port and adapts
// it to the narrow GatewayPort the Deployment drives.
import type { RunPlan } from '../../../shared/plan.js';
import type { GatewayMetrics } from '../../../shared/deployment.js';
import { Gateway } from '../gateway/index.js';
import type { GatewayPort } from './ports.js';

export interface OpenGatewayOptions {
  host: string;
  port: number;
  apiKey: string | null;
  requireKey: boolean;
}

/** What a client on this machine uses: a wildcard bind is reached through loopback. */
function clientUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

export async function openGateway(plan: RunPlan, o: OpenGatewayOptions): Promise<GatewayPort> {
  const gw = new Gateway({
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
  return {
    url: clientUrl(o.host, port),
    port,
    setUpstream: (u) => gw.setUpstream(u),
    setGate: (g) => gw.setGate(g),
    close: () => gw.close(),
    onMetrics: (fn: (m: GatewayMetrics) => void) => void gw.on('metrics', fn),
  };
}
