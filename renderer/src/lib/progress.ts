// Which progress belongs to which state, and the numbers the progress bars show. Pure.
import type { DeploymentStateName } from '../../../shared/deployment.js';
import type { DeploymentProgress, WeightsProgress } from '../api/contract.js';

/** The states that come with stage progress events, and the kind of event each has. */
const STAGE_KIND: Partial<Record<DeploymentStateName, DeploymentProgress['kind']>> = {
  pulling: 'pull',
  building: 'build',
  fetching_weights: 'weights',
};

export const STAGE_LABEL: Record<DeploymentProgress['kind'], string> = {
  pull: 'Pulling image',
  build: 'Building image',
  weights: 'Fetching weights',
};

/** True while the state is a stage with progress (the hub keeps progress only then). */
export function hasStageProgress(state: DeploymentStateName): boolean {
  return state in STAGE_KIND;
}

/** The stage progress kind of a state, or null. */
export function stageKind(state: DeploymentStateName): DeploymentProgress['kind'] | null {
  return STAGE_KIND[state] ?? null;
}

/**
 * The progress that belongs to the current state: the last pull event is stale once the
 * weights stage starts, until the stage's own first event arrives.
 */
export function stageProgress(state: DeploymentStateName, progress: DeploymentProgress | null): DeploymentProgress | null {
  return progress && STAGE_KIND[state] === progress.kind ? progress : null;
}

/** 0..1, or null when the total is not known yet (an indeterminate bar). */
export function progressFraction(p: DeploymentProgress): number | null {
  switch (p.kind) {
    case 'pull': return p.pull.bytesTotal ? p.pull.fraction : null;
    case 'build': return p.build.steps ? p.build.step / p.build.steps : null;
    case 'weights': return weightsFraction(p.weights);
  }
}

/** Nothing left to transfer (everything cached) counts as done. */
export function weightsFraction(w: WeightsProgress): number {
  return w.totalBytes > 0 ? Math.min(1, w.doneBytes / w.totalBytes) : 1;
}

export function fileFraction(f: { size: number; done: number }): number {
  return f.size > 0 ? Math.min(1, f.done / f.size) : 1;
}

/** The file's name within its repo, shortened from the left so the end (the shard) stays readable. */
export function shortPath(path: string, max = 48): string {
  return path.length <= max ? path : `…${path.slice(path.length - max + 1)}`;
}
