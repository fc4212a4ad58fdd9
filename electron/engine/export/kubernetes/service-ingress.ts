// The Service, and with --ingress HOST an ingress-nginx Ingress that maps Baseten's routes
// onto the server the way Berth's gateway does (shared/routes.ts is the one route table):
// `{prefix}/predict` -> predict_endpoint, `{prefix}/sync/{path}` -> `/{path}`, and for a
// WebSocket model `{prefix}/websocket` -> predict_endpoint. ingress-nginx rewrites with one
// target per Ingress, so there is one Ingress per target.
import { ROUTE_ENDPOINTS, ROUTE_PREFIXES, routeAvailability } from '../../../../shared/routes.js';
import type { TransportKind } from '../../../../shared/plan.js';
import type { Comment, KubeObject } from './types.js';

/** The platform proxy: bodies up to 100 MiB, streams unbuffered, very long read timeouts. */
const NGINX_PLATFORM_ANNOTATIONS: Record<string, string> = {
  'nginx.ingress.kubernetes.io/proxy-body-size': '100m',
  'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
  'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
  'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
  'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
};

export const SERVICE_PORT = 80;

export function serviceObject(app: string, labels: Record<string, string>, selector: Record<string, string>, portName: string, serverPort: number, concurrency: Record<string, string>): KubeObject {
  return {
    kind: 'Service',
    name: app,
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app, labels, annotations: concurrency },
      spec: { type: 'ClusterIP', selector, ports: [{ name: portName, port: SERVICE_PORT, targetPort: portName, protocol: 'TCP', ...(portName === 'grpc' ? { appProtocol: 'grpc' } : {}) }] },
    },
    header: [],
    comments: [[['spec', 'ports', 0, 'targetPort'], `the container port: docker_server.server_port (${serverPort})`]],
  };
}

/** `/environments/{env}` -> a regex segment, as ingress-nginx paths with use-regex. */
function prefixRegex(prefix: string): string {
  return prefix.replace(/\{[^}]+\}/g, '[^/]+');
}

export interface IngressRoutes {
  /** Regex paths rewritten to predict_endpoint. */
  predict: string[];
  /** Regex paths whose second group is the server path. */
  sync: string[];
  /** Routes of the table that an Ingress cannot serve, with why. */
  unserved: string[];
}

export function ingressRoutes(transport: TransportKind): IngressRoutes {
  const out: IngressRoutes = { predict: [], sync: [], unserved: [] };
  for (const e of ROUTE_ENDPOINTS) {
    const a = routeAvailability(e.action, transport);
    if (e.action === 'async_predict') {
      out.unserved.push(`${e.method} {prefix}${e.suffix}: Baseten's async queue has no Kubernetes equivalent here`);
      continue;
    }
    // gRPC is not HTTP routes: served below as one backend-protocol GRPC Ingress, not mapped.
    if (!a.served) continue;
    for (const p of ROUTE_PREFIXES) {
      const base = prefixRegex(p);
      if (e.maps === 'predict_endpoint') out.predict.push(`${base}${e.suffix}$`);
      else out.sync.push(`${base}${e.suffix.replace('/{path}', '')}(/|$)(.*)`);
    }
  }
  return out;
}

export function ingressObjects(o: { app: string; labels: Record<string, string>; host: string; predictEndpoint: string; transport: TransportKind; portName: string }): { objects: KubeObject[]; notes: string[] } {
  const backend = { service: { name: o.app, port: { name: o.portName } } };
  const make = (suffix: string, paths: string[], annotations: Record<string, string>, header: string[], comments: Comment[]): KubeObject => {
    const name = `${o.app}-${suffix}`;
    return {
      kind: 'Ingress',
      name,
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name, labels: o.labels, annotations },
        spec: {
          ingressClassName: 'nginx',
          rules: [{ host: o.host, http: { paths: paths.map((path) => ({ path, pathType: 'ImplementationSpecific', backend })) } }],
        },
      },
      header,
      comments: [[['spec', 'rules', 0, 'host'], '--ingress'], ...comments],
    };
  };
  const notes = [
    "the platform's Authorization: Api-Key check is not reproduced: put authentication in front of the Ingress (e.g. ingress-nginx auth-url, or your API gateway)",
  ];
  if (o.transport === 'grpc') {
    notes.push('gRPC through ingress-nginx needs TLS on the Ingress (add spec.tls with a certificate)');
    return {
      objects: [make('grpc', ['/'], { 'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC' }, ['runtime.transport.kind: grpc: the whole host goes to the server over gRPC (no route mapping)'], [])],
      notes,
    };
  }
  const r = ingressRoutes(o.transport);
  notes.push(...r.unserved.map((u) => `not mapped: ${u}`));
  if (o.transport === 'websocket') notes.push('runtime.transport ping_interval_seconds / ping_timeout_seconds are not expressible in ingress-nginx: it proxies WebSocket frames and closes idle connections after proxy-read-timeout (3600 s here)');
  const regex = { 'nginx.ingress.kubernetes.io/use-regex': 'true' };
  const predict = make('predict', r.predict, { ...NGINX_PLATFORM_ANNOTATIONS, ...regex, 'nginx.ingress.kubernetes.io/rewrite-target': o.predictEndpoint }, [
    `Baseten's predict routes${o.transport === 'websocket' ? ' and the WebSocket route' : ''} -> docker_server.predict_endpoint (${o.predictEndpoint}), for ingress-nginx`,
  ], [[['metadata', 'annotations', 'nginx.ingress.kubernetes.io/rewrite-target'], 'docker_server.predict_endpoint']]);
  const sync = make('sync', r.sync, { ...NGINX_PLATFORM_ANNOTATIONS, ...regex, 'nginx.ingress.kubernetes.io/rewrite-target': '/$2' }, ["Baseten's sync routes: {prefix}/sync/{path} -> /{path} on the server"], []);
  return { objects: [predict, sync], notes };
}
