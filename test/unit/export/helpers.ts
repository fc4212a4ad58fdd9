// Export a config text (no engine, no Hub: pure), and read objects back out of the result.
import { parseAllDocuments } from 'yaml';
import { parseTrussConfig } from '../../../shared/truss/parse.js';
import { buildRunPlan } from '../../../shared/truss/plan.js';
import { exportKubernetes, exportPlanSettings } from '../../../electron/engine/export/kubernetes/export.js';
import type { KubeExport, KubeExportInput, KubeExportOptions, KubeObject } from '../../../electron/engine/export/kubernetes/types.js';

export const BASE = `model_name: Demo Model
base_image:
  image: ghcr.io/acme/server:1.2.3
docker_server:
  start_command: python -m server --port 8080
  server_port: 8080
  predict_endpoint: /v1/predict
  readiness_endpoint: /ready
  liveness_endpoint: /live
`;

export function planOf(text: string) {
  const parsed = parseTrussConfig(text, '/tmp/demo/config.yaml');
  if (!parsed.config) throw new Error(`config does not parse: ${JSON.stringify(parsed.issues)}`);
  const { plan, issues } = buildRunPlan({
    config: parsed.config,
    configPath: '/tmp/demo/config.yaml',
    trussDir: '/tmp/demo',
    trussFacts: { hasDataDir: false, fileHashes: {} },
    machine: { gpus: [], gpuCapabilities: { usable: false, via: 'none' }, heldDeviceIds: [] },
    settings: exportPlanSettings(),
  });
  if (!plan) throw new Error(`no plan: ${JSON.stringify(issues)}`);
  return { config: parsed.config, plan };
}

export function exportText(text: string, options: KubeExportOptions = {}, extra: Partial<KubeExportInput> = {}): KubeExport {
  const { config, plan } = planOf(text);
  return exportKubernetes({ config, plan, options, ...extra });
}

export function obj(x: KubeExport, kind: KubeObject['kind'], name?: string): Record<string, any> {
  const o = x.objects.find((k) => k.kind === kind && (!name || k.name === name));
  if (!o) throw new Error(`no ${kind} ${name ?? ''} in ${x.objects.map((k) => `${k.kind}/${k.name}`).join(', ')}`);
  return o.object as Record<string, any>;
}

export function serverContainer(x: KubeExport): Record<string, any> {
  return obj(x, 'Deployment').spec.template.spec.containers[0];
}

/** Reads a YAML stream the way kubectl does (YAML 1.1), one object per document. */
export function readStream(text: string): Array<Record<string, any>> {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => {
    if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('; '));
    return d.toJS() as Record<string, any>;
  }).filter((o) => o && typeof o === 'object');
}
