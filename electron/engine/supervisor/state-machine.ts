// The deployment lifecycle as pure data: which state may follow which, and a bounded
// timeline of transitions with human reasons. No I/O so it is unit-testable and so the UI,
// CLI and supervisor all agree on what a state means.
import type { DeploymentState, DeploymentStateName, TimelineEvent } from '../../../shared/deployment.js';

const ACTIVE_BEFORE_CONTAINER: DeploymentStateName[] = ['pulling', 'building', 'fetching_weights'];

/** Allowed next states. Anything not listed is a bug in the caller, not a user error. */
export const TRANSITIONS: Record<DeploymentStateName, readonly DeploymentStateName[]> = {
  idle: ['pulling', 'building', 'starting', 'waiting_for_startup', 'failed', 'stopping', 'stopped'],
  pulling: ['building', 'fetching_weights', 'starting', 'failed', 'stopping'],
  building: ['fetching_weights', 'starting', 'failed', 'stopping'],
  // Between the image and the container: model_cache / weights into the HF cache and the view.
  fetching_weights: ['starting', 'failed', 'stopping'],
  starting: ['waiting_for_startup', 'restarting', 'crash_loop', 'failed', 'stopping', 'not_ready'],
  waiting_for_startup: ['ready', 'restarting', 'crash_loop', 'failed', 'stopping', 'not_ready'],
  ready: ['not_ready', 'restarting', 'crash_loop', 'failed', 'stopping'],
  // not_ready also covers "engine unavailable": from there the container is re-adopted
  // (waiting_for_startup) or started again.
  not_ready: ['ready', 'waiting_for_startup', 'starting', 'restarting', 'crash_loop', 'failed', 'stopping'],
  restarting: ['starting', 'waiting_for_startup', 'crash_loop', 'failed', 'stopping', 'not_ready'],
  crash_loop: ['restarting', 'starting', 'failed', 'stopping', 'not_ready'],
  stopping: ['stopped', 'failed'],
  stopped: ['idle', 'pulling', 'building', 'starting', 'waiting_for_startup', 'failed', 'stopping'],
  failed: ['idle', 'pulling', 'building', 'starting', 'waiting_for_startup', 'stopping', 'stopped'],
};

/** States in which a container is meant to exist and run. */
export const RUNNING_STATES: ReadonlySet<DeploymentStateName> = new Set([
  'starting',
  'waiting_for_startup',
  'ready',
  'not_ready',
  'restarting',
  'crash_loop',
]);

/** States from which nothing more happens until the user acts. */
export const TERMINAL_STATES: ReadonlySet<DeploymentStateName> = new Set(['idle', 'stopped', 'failed']);

export function isBeforeContainer(s: DeploymentStateName): boolean {
  return ACTIVE_BEFORE_CONTAINER.includes(s);
}

export function canTransition(from: DeploymentStateName, to: DeploymentStateName): boolean {
  return TRANSITIONS[from].includes(to);
}

let lastSeq = 0;

/**
 * The next timeline sequence number: strictly increasing in this process and, as it starts
 * from the clock in microseconds, above what an earlier Berth process handed out (a UI that
 * outlives a `berth serve` restart merges by it). Two events in one millisecond still differ.
 */
export function nextTimelineSeq(): number {
  lastSeq = Math.max(lastSeq + 1, Date.now() * 1000);
  return lastSeq;
}

export interface TransitionExtras {
  progress?: number;
  nextRestartAt?: number;
  restartCount?: number;
}

export class InvalidTransitionError extends Error {
  constructor(readonly from: DeploymentStateName, readonly to: DeploymentStateName) {
    super(`invalid deployment transition ${from} -> ${to}`);
  }
}

/**
 * Holds the current state and the timeline. `transition` throws on an edge not in
 * TRANSITIONS (a programming error); `update` changes details (progress, reason) of the
 * current state without a new timeline entry, so pull progress does not flood the timeline.
 */
export class DeploymentStateMachine {
  private current: DeploymentState;
  private readonly events: TimelineEvent[] = [];

  constructor(
    private readonly timelineLimit = 200,
    private readonly now: () => number = Date.now,
  ) {
    const t = this.now();
    this.current = { name: 'idle', reason: 'not started', since: t };
    this.events.push({ seq: nextTimelineSeq(), time: t, state: 'idle', reason: 'not started' });
  }

  get state(): DeploymentState {
    return { ...this.current };
  }

  get name(): DeploymentStateName {
    return this.current.name;
  }

  timeline(): TimelineEvent[] {
    return this.events.slice();
  }

  canGo(to: DeploymentStateName): boolean {
    return canTransition(this.current.name, to);
  }

  transition(to: DeploymentStateName, reason: string, extras: TransitionExtras = {}): TimelineEvent {
    if (!canTransition(this.current.name, to)) throw new InvalidTransitionError(this.current.name, to);
    const time = this.now();
    const restartCount = extras.restartCount ?? this.current.restartCount;
    this.current = { name: to, reason, since: time, ...extras, ...(restartCount !== undefined ? { restartCount } : {}) };
    const ev: TimelineEvent = { seq: nextTimelineSeq(), time, state: to, reason };
    this.events.push(ev);
    if (this.events.length > this.timelineLimit) this.events.splice(0, this.events.length - this.timelineLimit);
    return ev;
  }

  update(patch: TransitionExtras & { reason?: string }): DeploymentState {
    this.current = { ...this.current, ...patch };
    return this.state;
  }
}
