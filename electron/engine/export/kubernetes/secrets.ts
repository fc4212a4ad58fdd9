// One Secret holds every secret the deployment reads: the declared ones (and those the start
// command reads, as Berth mounts them) for the server at /secrets/<name>, and the Hub tokens
// of the weights entries for the init container. Values only with --include-secrets; else
// empty placeholders and a comment on how to fill them, so no value leaves Berth's store by
// accident.
import type { RunPlan } from '../../../../shared/plan.js';
import type { Comment, KubeObject } from './types.js';

export const SECRETS_MOUNT = '/secrets';

export interface SecretNames {
  /** Mounted in the server container (plan.secrets). */
  server: string[];
  /** Read by the weights init container only (Hub tokens not among plan.secrets). */
  weightsOnly: string[];
  /** Every weights token name (some may also be server secrets). */
  weights: string[];
}

export function secretNames(plan: RunPlan): SecretNames {
  const weights = [...new Set(plan.weights.map((w) => w.secretName).filter((s): s is string => !!s))];
  return { server: plan.secrets, weights, weightsOnly: weights.filter((s) => !plan.secrets.includes(s)) };
}

export function secretsName(app: string): string {
  return `${app}-secrets`;
}

export function secretObject(app: string, labels: Record<string, string>, names: SecretNames, values: Record<string, string> | null): { object: KubeObject; missing: string[] } {
  const all = [...names.server, ...names.weightsOnly];
  const stringData: Record<string, string> = {};
  const missing: string[] = [];
  for (const n of all) {
    const v = values?.[n];
    if (values && v === undefined) missing.push(n);
    stringData[n] = v ?? '';
  }
  const name = secretsName(app);
  const comments: Comment[] = all.map((n) => [
    ['stringData', n],
    `${names.server.includes(n) ? `secrets.${n} -> ${SECRETS_MOUNT}/${n}` : `Hub token of a weights entry (init container only)`}${values ? (values[n] !== undefined ? ': value from Berth\'s secret store' : ': not set in Berth\'s store; fill it') : ': placeholder'}`,
  ]);
  const header = values
    ? [`Secret values were copied from Berth's secret store (--include-secrets): keep this file private.`]
    : [
        'Placeholders: the values are not exported. Fill them before applying, e.g.',
        `  kubectl create secret generic ${name} ${all.map((n) => `--from-literal=${n}=...`).join(' ')} --dry-run=client -o yaml | kubectl apply -f -`,
        'or re-export with --include-secrets to copy them from Berth\'s store.',
      ];
  return {
    object: { kind: 'Secret', name, object: { apiVersion: 'v1', kind: 'Secret', metadata: { name, labels }, type: 'Opaque', stringData }, header, comments },
    missing,
  };
}
