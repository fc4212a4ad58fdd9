// The Kubernetes export's inputs and outputs. Everything a manifest says comes from the
// RunPlan Berth computes for a local run (shared/truss/plan.ts) plus the parsed config; the
// engine side (prepare.ts) adds what only a machine knows: the image digest Berth resolved,
// the weights file lists and commits, and secret values when the user asks for them.
import type { RunPlan } from '../../../../shared/plan.js';
import type { TrussConfig } from '../../../../shared/truss/schema.js';
import type { WeightsEntry } from '../../../../shared/truss/weights.js';

export interface KubeExportOptions {
  namespace?: string;
  replicas?: number;
  /** Put secret values from Berth's store into the Secret (otherwise empty placeholders). */
  includeSecrets?: boolean;
  /** Host for an ingress-nginx Ingress mapping Baseten's routes; none: Service only. */
  ingressHost?: string;
  storageClass?: string;
}

/** A weights entry as Berth resolved it: the pinned commit and the files its patterns keep. */
export interface ResolvedWeights {
  entry: WeightsEntry;
  commit: string;
  files: Array<{ path: string; size: number }>;
}

export interface KubeExportInput {
  config: TrussConfig;
  /** A plan built for export (exportPlanSettings): resource limits applied, no local mounts. */
  plan: RunPlan;
  options: KubeExportOptions;
  /** repo@sha256:... Berth resolved for plan.image (docker inspect / the last run), when known. */
  imageDigest?: string | null;
  /** Per weights entry (same order as plan.weights), when Berth could resolve it. */
  resolvedWeights?: Array<ResolvedWeights | null>;
  /** Secret values by name; only read with options.includeSecrets. */
  secretValues?: Record<string, string>;
}

/** Comments on a manifest: a path into the object and the text (where the value came from). */
export type Comment = [path: Array<string | number>, text: string];

export interface KubeObject {
  kind: 'Deployment' | 'Service' | 'Secret' | 'PersistentVolumeClaim' | 'ConfigMap' | 'Ingress';
  name: string;
  object: Record<string, unknown>;
  /** Above the document. */
  header: string[];
  comments: Comment[];
}

export interface KubeExport {
  appName: string;
  objects: KubeObject[];
  /** What the manifests cannot express, or must be done by hand; printed and in the header. */
  notes: string[];
  secretValuesIncluded: boolean;
}
