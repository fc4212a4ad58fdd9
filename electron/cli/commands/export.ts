// `berth export kubernetes PATH [-o DIR|-] [--namespace NS] [--replicas N] [--include-secrets]
// [--ingress HOST] [--storage-class C] [--offline]`: the truss as Kubernetes manifests with
// the platform's semantics (electron/engine/export/kubernetes). Manifests go to stdout as one
// YAML stream (-o -, the default) or one file per object into DIR; what the manifests cannot
// express goes to stderr, so a piped stream stays clean.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toErrorShape } from '../../../shared/errors.js';
import { colors, formatFileError, formatIssueLine } from '../format/issues.js';

const USAGE = `usage: berth export kubernetes PATH [-o DIR|-] [--namespace NS] [--replicas N]
                               [--include-secrets] [--ingress HOST] [--storage-class C] [--offline]

Writes Kubernetes manifests for the truss at PATH: a Deployment (image, sh -c start_command,
probes with the platform's thresholds, GPUs and node affinity, /dev/shm), a Secret mounted at
/secrets, a weights init container with its volume and truss-transfer-cli, a Service and, with
--ingress, an ingress-nginx Ingress mapping Baseten's routes. Every object is checked against
the Kubernetes schema before it is written.
  -o DIR|-           write one file per object into DIR, or a YAML stream to stdout (-, default)
  --namespace NS     set metadata.namespace on every object
  --replicas N       Deployment replicas (default 1; more than 1 makes the weights volume ReadWriteMany)
  --include-secrets  copy secret values from Berth's store into the Secret (default: empty placeholders)
  --ingress HOST     add an ingress-nginx Ingress for HOST
  --storage-class C  storage class of the weights volume
  --offline          ask neither the Docker engine (image digest) nor the Hub (weights commits and sizes)`;

export async function run(argv: string[]): Promise<number> {
  const [target, ...rest] = argv;
  if (target === '--help' || target === '-h' || target === undefined) {
    (target ? console.log : console.error)(USAGE);
    return target ? 0 : 2;
  }
  if (target !== 'kubernetes') {
    console.error(`berth export: unknown target '${target}'; Berth exports to kubernetes.\n${USAGE}`);
    return 2;
  }
  let values: { output?: string; namespace?: string; replicas?: string; 'include-secrets'?: boolean; ingress?: string; 'storage-class'?: string; offline?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: {
        output: { type: 'string', short: 'o' },
        namespace: { type: 'string' },
        replicas: { type: 'string' },
        'include-secrets': { type: 'boolean' },
        ingress: { type: 'string' },
        'storage-class': { type: 'string' },
        offline: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    }));
  } catch (err) {
    console.error(`berth export kubernetes: ${toErrorShape(err).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`berth export kubernetes: give exactly one truss directory or config file.\n${USAGE}`);
    return 2;
  }
  const replicas = values.replicas === undefined ? undefined : /^\d+$/.test(values.replicas) ? Number(values.replicas) : NaN;
  const ce = colors(process.stderr);
  const { prepareKubernetesExport, ExportConfigError } = await import('../../engine/export/kubernetes/index.js');
  const { SecretStore } = await import('../../engine/secrets/store.js');
  const { SettingsStore } = await import('../../engine/store/settings.js');
  const settings = await new SettingsStore().load().catch(() => ({}));
  let prepared;
  try {
    prepared = await prepareKubernetesExport(positionals[0], {
      namespace: values.namespace,
      replicas,
      includeSecrets: !!values['include-secrets'],
      ingressHost: values.ingress,
      storageClass: values['storage-class'],
      offline: !!values.offline,
      secrets: new SecretStore(),
      settings: settings as { shmSize?: string },
    });
  } catch (err) {
    if (err instanceof ExportConfigError) {
      for (const i of err.issues.filter((x) => x.severity === 'error')) console.error(formatIssueLine(i, ce));
      console.error(`berth export kubernetes: ${err.message}`);
      return 1;
    }
    const e = toErrorShape(err);
    if (e.code === 'BAD_REQUEST') {
      console.error(`berth export kubernetes: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
      return 2;
    }
    console.error(formatFileError(positionals[0], e, ce));
    return 1;
  }
  const out = values.output ?? '-';
  if (out === '-') {
    process.stdout.write(prepared.stream);
  } else {
    const dir = path.resolve(out);
    await mkdir(dir, { recursive: true });
    // Secret values in a file: readable by the user only.
    for (const f of prepared.files) await writeFile(path.join(dir, f.name), f.text, { mode: prepared.result.secretValuesIncluded && f.name.includes('-secret-') ? 0o600 : 0o644 });
    console.error(`wrote ${prepared.files.length} manifests to ${dir}: ${prepared.files.map((f) => f.name).join(', ')}`);
    console.error(`apply with: kubectl apply -f ${dir}`);
  }
  const r = prepared.result;
  console.error(ce.dim(`${r.objects.length} objects (${r.objects.map((o) => o.kind).join(', ')}) valid against the Kubernetes schema (kubernetes-models)`));
  if (r.secretValuesIncluded) console.error(ce.yellow('the Secret holds values from Berth\'s store (--include-secrets): keep the output private'));
  for (const l of prepared.lookups) console.error(ce.dim(`note: ${l}`));
  if (r.notes.length) {
    console.error('not expressed in the manifests, or to do by hand:');
    for (const n of r.notes) console.error(`  - ${n}`);
  }
  return 0;
}
