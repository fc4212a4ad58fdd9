// Adapts the supervisor's Deployment (+ its LogBuffer) to the service's DeploymentPort.
import type { GatewayMetrics, LogLine } from '../../../shared/deployment.js';
import type { LogPage } from '../../../shared/api/index.js';
import type { RunPlan } from '../../../shared/plan.js';
import type { Deployment, DeploymentEvents } from '../supervisor/deployment.js';
import type { LogBuffer } from '../docker/log-buffer.js';
import type { DeploymentEvent, DeploymentPort, Unsubscribe } from './service-deps.js';

export interface DeploymentAdapterDeps {
  logs: () => LogBuffer | undefined;
  dockerRun: (plan: RunPlan) => string | null;
}

function page(lines: LogLine[], buf: LogBuffer | undefined, fromSeq: number | null): LogPage {
  const lastSeq = buf?.lastSeq ?? 0;
  // Lines between the requested seq and the oldest kept one were evicted from the ring.
  const first = lines[0]?.seq;
  const dropped = fromSeq !== null && first !== undefined && first > fromSeq + 1 ? first - fromSeq - 1 : 0;
  return { lines, lastSeq, dropped };
}

export function adaptDeployment(d: Deployment, deps: DeploymentAdapterDeps): DeploymentPort {
  let lastMetrics: GatewayMetrics | null = null;
  d.on('metrics', (m) => {
    lastMetrics = m;
  });
  return {
    id: d.id,
    configPath: d.configPath,
    summary: () => d.summary(),
    start: (o) => d.start(o),
    replan: async (o) => {
      await d.load(o);
    },
    stop: () => d.stop(),
    restart: () => d.restart(),
    plan: () => d.plan,
    dockerRun: () => (d.plan ? deps.dockerRun(d.plan) : null),
    timeline: () => d.timeline(),
    probes: (limit) => d.probeHistory(limit),
    metrics: () => lastMetrics,
    progress: () => d.progress,
    configText: () => d.configText,
    issues: () => d.issues,
    declaredSecrets: () => d.plan?.secrets ?? [],
    logsTail: (n) => {
      const buf = deps.logs();
      return page(buf ? buf.tail(n) : [], buf, null);
    },
    logsSince: (seq, limit) => {
      const buf = deps.logs();
      const lines = buf ? buf.since(seq).slice(0, limit) : [];
      return page(lines, buf, seq);
    },
    subscribe: (listener: (ev: DeploymentEvent) => void): Unsubscribe => {
      const on = {
        state: (state: DeploymentEvents['state'][0]) => listener({ type: 'state', state }),
        timeline: (event: DeploymentEvents['timeline'][0]) => listener({ type: 'timeline', event }),
        probe: (probe: DeploymentEvents['probe'][0]) => listener({ type: 'probe', probe }),
        progress: (progress: DeploymentEvents['progress'][0]) => listener({ type: 'progress', progress }),
        metrics: (metrics: DeploymentEvents['metrics'][0]) => listener({ type: 'metrics', metrics }),
      };
      d.on('state', on.state);
      d.on('timeline', on.timeline);
      d.on('probe', on.probe);
      d.on('progress', on.progress);
      d.on('metrics', on.metrics);
      const buf = deps.logs();
      const unLogs = buf ? buf.subscribe((line) => listener({ type: 'log', lines: [line] })) : () => {};
      return () => {
        d.off('state', on.state);
        d.off('timeline', on.timeline);
        d.off('probe', on.probe);
        d.off('progress', on.progress);
        d.off('metrics', on.metrics);
        unLogs();
      };
    },
  };
}
