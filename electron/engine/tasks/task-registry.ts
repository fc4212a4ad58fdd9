// Long-running steps of a start (image pull, image build, weights download) as tasks: one
// model for the CLI, the API and the UI. Each has labels (which deployment, what kind), a
// state, progress, an error, and cancel(), which Stop uses: a pull, a build or a download
// in flight is aborted through the same AbortSignal the step was given.
import type { TaskInfo, TaskKind, TaskProgress } from '../../../shared/api/types.js';
import { toErrorShape } from '../../../shared/errors.js';
import { TypedEmitter } from '../events/typed-emitter.js';

export interface TaskEvents {
  /** Created, progressed, or ended. */
  task: [TaskInfo];
}

export interface TaskHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  progress(p: TaskProgress): void;
}

let seq = 0;

export class TaskRegistry extends TypedEmitter<TaskEvents> {
  private readonly tasks = new Map<string, { info: TaskInfo; abort: AbortController }>();

  constructor(private readonly keepEnded = 50) {
    super();
  }

  /**
   * Runs `work` as a task: its state follows the promise (succeeded, failed, or cancelled
   * when its signal was aborted), and it is cancelled with cancel(id) or cancelFor(labels).
   */
  async run<T>(kind: TaskKind, labels: Record<string, string>, title: string, work: (t: TaskHandle) => Promise<T>): Promise<T> {
    const id = `${kind}-${++seq}`;
    const abort = new AbortController();
    const info: TaskInfo = { id, kind, labels, title, state: 'running', startedAt: Date.now(), progress: null };
    this.tasks.set(id, { info, abort });
    this.emit('task', { ...info });
    const handle: TaskHandle = {
      id,
      signal: abort.signal,
      progress: (p) => {
        if (info.state !== 'running') return;
        info.progress = p;
        this.emit('task', { ...info });
      },
    };
    try {
      const out = await work(handle);
      this.end(id, abort.signal.aborted ? 'cancelled' : 'succeeded');
      return out;
    } catch (err) {
      this.end(id, abort.signal.aborted ? 'cancelled' : 'failed', abort.signal.aborted ? undefined : err);
      throw err;
    }
  }

  cancel(id: string, reason = 'cancelled'): boolean {
    const t = this.tasks.get(id);
    if (!t || t.info.state !== 'running') return false;
    t.abort.abort(new Error(reason));
    return true;
  }

  /** Cancels every running task whose labels include all of `labels` (e.g. a deployment's). */
  cancelFor(labels: Record<string, string>, reason = 'cancelled'): number {
    let n = 0;
    for (const t of this.tasks.values()) {
      if (t.info.state === 'running' && Object.entries(labels).every(([k, v]) => t.info.labels[k] === v) && this.cancel(t.info.id, reason)) n++;
    }
    return n;
  }

  list(labels: Record<string, string> = {}): TaskInfo[] {
    return [...this.tasks.values()].map((t) => ({ ...t.info })).filter((i) => Object.entries(labels).every(([k, v]) => i.labels[k] === v));
  }

  private end(id: string, state: TaskInfo['state'], err?: unknown): void {
    const t = this.tasks.get(id);
    if (!t || t.info.state !== 'running') return;
    t.info.state = state;
    t.info.endedAt = Date.now();
    if (err !== undefined) t.info.error = toErrorShape(err);
    this.emit('task', { ...t.info });
    // Ended tasks are kept for a while (what failed, and why) within a bound.
    const ended = [...this.tasks.values()].filter((x) => x.info.state !== 'running');
    for (const x of ended.slice(0, Math.max(0, ended.length - this.keepEnded))) this.tasks.delete(x.info.id);
  }
}
