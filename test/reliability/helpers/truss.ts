// Fixture truss dirs for the reliability suite: the model-server stand-in as a Truss
// custom server, with fault knobs passed as environment_variables.
import { tmpDir, writeTree, type TempDir } from '../../helpers/tmp.js';
import { MODEL_SERVER_IMAGE } from '../../helpers/docker.js';

export interface FixtureTrussOptions {
  name: string;
  env?: Record<string, string>;
  predictEndpoint?: string;
  startCommand?: string;
  predictConcurrency?: number;
  /** runtime.health_checks (seconds, 10..3000). */
  health?: Partial<Record<'startup_threshold_seconds' | 'stop_traffic_threshold_seconds' | 'restart_threshold_seconds' | 'restart_check_delay_seconds', number>>;
  secrets?: string[];
  buildCommands?: string[];
  image?: string;
}

export function fixtureTrussYaml(o: FixtureTrussOptions): string {
  const lines = [
    `model_name: ${o.name}`,
    'base_image:',
    `  image: ${o.image ?? MODEL_SERVER_IMAGE}`,
    'docker_server:',
    `  start_command: ${JSON.stringify(o.startCommand ?? 'node /srv/model-server/server.mjs --port 8000')}`,
    '  server_port: 8000',
    `  predict_endpoint: ${o.predictEndpoint ?? '/v1/chat/completions'}`,
    '  readiness_endpoint: /health',
    '  liveness_endpoint: /live',
  ];
  if (o.env && Object.keys(o.env).length) {
    lines.push('environment_variables:');
    for (const [k, v] of Object.entries(o.env)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  }
  if (o.secrets?.length) {
    lines.push('secrets:');
    for (const s of o.secrets) lines.push(`  ${s}: null`);
  }
  if (o.buildCommands?.length) {
    lines.push('build_commands:');
    for (const c of o.buildCommands) lines.push(`  - ${JSON.stringify(c)}`);
  }
  lines.push('runtime:', `  predict_concurrency: ${o.predictConcurrency ?? 1}`);
  if (o.health && Object.keys(o.health).length) {
    lines.push('  health_checks:');
    for (const [k, v] of Object.entries(o.health)) lines.push(`    ${k}: ${v}`);
  }
  return lines.join('\n') + '\n';
}

/** A temp truss dir with config.yaml; returns the dir (call cleanup()). */
export function fixtureTruss(o: FixtureTrussOptions): TempDir {
  const t = tmpDir(`berth-rel-${o.name}-`);
  writeTree(t.dir, { 'config.yaml': fixtureTrussYaml(o) });
  return t;
}
