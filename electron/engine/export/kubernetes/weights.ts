// model_cache / weights in a cluster: an init container fetches every entry into a volume
// (a PVC, so a restarted pod does not download again), the server mounts each entry's
// folder where the platform puts it (/app/model_cache/<volume_folder>, or mount_location),
// read-only as Berth mounts its views, and gets Berth's truss-transfer-cli, which checks the
// manifest the init container wrote: `truss-transfer-cli && server` succeeds as in Berth.
import type { RunPlan } from '../../../../shared/plan.js';
import { CONTAINER_TRANSFER_CLI, CONTAINER_WEIGHTS_MANIFEST, MANIFEST_FILE, TRANSFER_CLI_FILE, weightsLabel, type WeightsEntry } from '../../../../shared/truss/weights.js';
import { formatBytes } from '../../../../shared/truss/units.js';
import { TRANSFER_CLI_SCRIPT } from '../../weights/transfer-cli.js';
import { HUGGINGFACE_HUB_PIN, WEIGHTS_INIT_IMAGE, WEIGHTS_INIT_SCRIPT } from './weights-init-script.js';
import { SECRETS_MOUNT, secretsName, type SecretNames } from './secrets.js';
import type { Comment, KubeObject, ResolvedWeights } from './types.js';

/** Where the platform bakes model_cache entries with use_volume: false (the HF cache in the image). */
export const PLATFORM_HF_HUB_CACHE = '/root/.cache/huggingface/hub';
/** The PVC size when the file list is not known (Hub unreachable at export): edit to fit. */
export const DEFAULT_WEIGHTS_VOLUME_GI = 200;
const VOLUME_MOUNT = '/weights';
const SCRIPTS_MOUNT = '/berth';
const FETCH_SCRIPT = 'fetch_weights.py';
const SPEC_FILE = 'weights.json';
/** A ConfigMap holds at most 1 MiB; file lists beyond this budget are left to the init container. */
const SPEC_BUDGET = 768 * 1024;

export function scriptsConfigMapName(app: string): string {
  return `${app}-berth`;
}
export function weightsClaimName(app: string): string {
  return `${app}-weights`;
}

/** The entry's folder in the volume (as Berth names its views: model_cache-0, weights-1). */
function folderOf(e: WeightsEntry): string {
  return e.target ? `${e.key}-${e.index}` : 'hf-hub';
}

/** Volume size: the files plus 10% and 1 GiB for metadata and partial downloads, in whole GiB. */
export function volumeSizeGi(resolved: Array<ResolvedWeights | null>): number | null {
  if (!resolved.length || resolved.some((r) => !r)) return null;
  const bytes = resolved.reduce((n, r) => n + r!.files.reduce((m, f) => m + f.size, 0), 0);
  return Math.max(1, Math.ceil((bytes * 1.1) / 2 ** 30) + 1);
}

export interface WeightsParts {
  configMap: KubeObject;
  pvc: KubeObject | null;
  initContainer: Record<string, unknown> | null;
  volumes: Record<string, unknown>[];
  serverMounts: Record<string, unknown>[];
  /** Comments on serverMounts, relative to the mount list. */
  mountComments: Array<[index: number, text: string]>;
  env: Record<string, string>;
  notes: string[];
}

export function weightsParts(o: {
  app: string;
  labels: Record<string, string>;
  plan: RunPlan;
  resolved: Array<ResolvedWeights | null>;
  secrets: SecretNames;
  storageClass?: string;
  replicas: number;
}): WeightsParts {
  const { app, labels, plan } = o;
  const entries = plan.weights;
  const notes: string[] = [];
  const spec = {
    manifest: `${VOLUME_MOUNT}/${MANIFEST_FILE}`,
    entries: entries.map((e, i) => {
      const r = o.resolved[i] ?? null;
      return {
        label: weightsLabel(e),
        repo: e.repoId,
        revision: e.revision,
        commit: r?.commit ?? null,
        dialect: e.dialect,
        allow: e.allowPatterns,
        ignore: e.ignorePatterns,
        dest: `${VOLUME_MOUNT}/${folderOf(e)}`,
        layout: e.target ? 'files' : 'hf-cache',
        target: e.target ?? PLATFORM_HF_HUB_CACHE,
        secret: e.secretName,
        files: r ? r.files.map((f) => [f.path, f.size]) : null,
      };
    }),
  };
  let specText = JSON.stringify(spec, null, 1);
  if (specText.length > SPEC_BUDGET) {
    for (const e of spec.entries) e.files = null;
    specText = JSON.stringify(spec, null, 1);
    notes.push('the weights file lists are too long for a ConfigMap: the init container lists and filters the files itself (same patterns, pinned commits kept)');
  }
  const cmName = scriptsConfigMapName(app);
  const data: Record<string, string> = { [TRANSFER_CLI_FILE]: TRANSFER_CLI_SCRIPT };
  if (entries.length) {
    data[FETCH_SCRIPT] = WEIGHTS_INIT_SCRIPT;
    data[SPEC_FILE] = specText;
  }
  const cmComments: Comment[] = [[['data', TRANSFER_CLI_FILE], `Berth's truss-transfer-cli (electron/engine/weights/transfer-cli.ts), mounted at ${CONTAINER_TRANSFER_CLI}`]];
  if (entries.length) {
    cmComments.push([['data', FETCH_SCRIPT], `run by the weights init container (${WEIGHTS_INIT_IMAGE} + ${HUGGINGFACE_HUB_PIN})`]);
    cmComments.push([['data', SPEC_FILE], 'model_cache / weights entries: repos, revisions (commits pinned by Berth where resolved), patterns, targets']);
  }
  const configMap: KubeObject = {
    kind: 'ConfigMap',
    name: cmName,
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cmName, labels }, data },
    header: ['Berth helpers for the pod: truss-transfer-cli (every config may call it)' + (entries.length ? ' and the weights fetcher' : '')],
    comments: cmComments,
  };
  const volumes: Record<string, unknown>[] = [{ name: 'berth', configMap: { name: cmName, defaultMode: 0o755 } }];
  const serverMounts: Record<string, unknown>[] = [{ name: 'berth', mountPath: CONTAINER_TRANSFER_CLI, subPath: TRANSFER_CLI_FILE, readOnly: true }];
  const mountComments: Array<[number, string]> = [[0, 'truss-transfer-cli: configs call it before their server (`truss-transfer-cli && ...`)']];
  const env: Record<string, string> = {};
  if (!entries.length) return { configMap, pvc: null, initContainer: null, volumes, serverMounts, mountComments, env, notes };

  const claim = weightsClaimName(app);
  const sizeGi = volumeSizeGi(o.resolved);
  const known = o.resolved.filter((r): r is ResolvedWeights => !!r);
  const rwx = o.replicas > 1;
  const pvcHeader = [
    sizeGi !== null
      ? `Size from the file lists Berth resolved: ${known.map((r) => `${r.entry.repoId}@${r.commit.slice(0, 12)} ${r.files.length} files ${formatBytes(r.files.reduce((n, f) => n + f.size, 0))}`).join('; ')}; plus 10% and 1 GiB.`
      : `Size unknown at export (the Hub was not asked or not reachable): ${DEFAULT_WEIGHTS_VOLUME_GI}Gi is a default; set it to the repos' size plus headroom.`,
  ];
  if (sizeGi === null) notes.push(`weights volume size is a default (${DEFAULT_WEIGHTS_VOLUME_GI}Gi): the file lists were not resolved; edit the PVC's storage request`);
  if (rwx) notes.push(`${o.replicas} replicas share the weights volume: it asks for ReadWriteMany, which needs a storage class that supports it (--storage-class)`);
  const pvc: KubeObject = {
    kind: 'PersistentVolumeClaim',
    name: claim,
    object: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: claim, labels },
      spec: {
        accessModes: [rwx ? 'ReadWriteMany' : 'ReadWriteOnce'],
        ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
        resources: { requests: { storage: `${sizeGi ?? DEFAULT_WEIGHTS_VOLUME_GI}Gi` } },
      },
    },
    header: pvcHeader,
    comments: [
      [['spec', 'accessModes'], rwx ? '--replicas > 1: every replica mounts it' : 'one replica (a second one needs ReadWriteMany)'],
      ...(o.storageClass ? [[['spec', 'storageClassName'], '--storage-class'] as Comment] : []),
    ],
  };
  volumes.push({ name: 'weights', persistentVolumeClaim: { claimName: claim } });

  entries.forEach((e) => {
    serverMounts.push({ name: 'weights', mountPath: e.target ?? PLATFORM_HF_HUB_CACHE, subPath: folderOf(e), readOnly: true });
    mountComments.push([
      serverMounts.length - 1,
      e.target
        ? `${weightsLabel(e)}: ${e.key === 'weights' ? 'mount_location' : 'volume_folder'} (read-only, as Berth mounts it)`
        : `${weightsLabel(e)}: use_volume: false, the Hugging Face cache where the platform bakes it`,
    ]);
  });
  serverMounts.push({ name: 'weights', mountPath: CONTAINER_WEIGHTS_MANIFEST, subPath: MANIFEST_FILE, readOnly: true });
  mountComments.push([serverMounts.length - 1, 'what truss-transfer-cli checks: one "<size>\\t<path>" line per file, written by the init container']);
  if (entries.some((e) => !e.target) && !('HF_HUB_CACHE' in plan.env)) env.HF_HUB_CACHE = PLATFORM_HF_HUB_CACHE;

  const tokenNames = o.secrets.weights;
  const initMounts: Record<string, unknown>[] = [
    { name: 'weights', mountPath: VOLUME_MOUNT },
    { name: 'berth', mountPath: SCRIPTS_MOUNT, readOnly: true },
  ];
  if (tokenNames.length) {
    volumes.push({ name: 'weights-tokens', secret: { secretName: secretsName(app), items: tokenNames.map((n) => ({ key: n, path: n })), defaultMode: 0o444 } });
    initMounts.push({ name: 'weights-tokens', mountPath: SECRETS_MOUNT, readOnly: true });
  }
  const initContainer = {
    name: 'weights',
    image: WEIGHTS_INIT_IMAGE,
    command: ['sh', '-c', `pip install --no-cache-dir --quiet --disable-pip-version-check '${HUGGINGFACE_HUB_PIN}' && exec python ${SCRIPTS_MOUNT}/${FETCH_SCRIPT} ${SCRIPTS_MOUNT}/${SPEC_FILE}`],
    env: [{ name: 'HF_HUB_DISABLE_TELEMETRY', value: '1' }],
    volumeMounts: initMounts,
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } },
  };
  if (known.length < entries.length) notes.push(`${entries.length - known.length} weights entr${entries.length - known.length === 1 ? 'y was' : 'ies were'} not resolved at export: the init container resolves the revision to a commit when the pod starts`);
  return { configMap, pvc, initContainer, volumes, serverMounts, mountComments, env, notes };
}
