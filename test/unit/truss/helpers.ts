import { parseTrussConfig } from '../../../shared/truss/parse.js';
import type { ConfigIssue } from '../../../shared/truss/issues.js';

export const BASE = `model_name: t
base_image:
  image: berth-fixture/model-server:latest
docker_server:
  start_command: node server.mjs --port 8000
  server_port: 8000
  predict_endpoint: /predict
  readiness_endpoint: /health
  liveness_endpoint: /live
`;

export function parse(text: string) {
  return parseTrussConfig(text, 'config.yaml');
}

export function errors(text: string): ConfigIssue[] {
  return parse(text).issues.filter((i) => i.severity === 'error');
}

export function warnings(text: string): ConfigIssue[] {
  return parse(text).issues.filter((i) => i.severity === 'warning');
}

/** BASE plus extra top-level YAML. */
export const withExtra = (extra: string) => `${BASE}${extra}`;
