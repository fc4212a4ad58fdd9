// One deployment's log: the container's output (engine timestamps), Berth's own lines
// (transitions, build output) and the follow of the container stream. Following the same
// container again (after a restart) asks the engine only for lines after the last one seen,
// so a restart never replays the whole history into the buffer.
import type Docker from 'dockerode';
import { LogBuffer, followLogs, type LogBufferOptions } from '../docker/logs.js';
import type { LogSink } from './deployment-env.js';

/** Lines kept of an adopted container's earlier output. */
const ADOPT_TAIL = 500;

export class DeploymentLogs implements LogSink {
  readonly buffer: LogBuffer;
  private readonly lastTime = new Map<string, number>();

  constructor(
    private readonly docker: () => Docker,
    opts: LogBufferOptions = {},
  ) {
    this.buffer = new LogBuffer(opts);
  }

  system(text: string): void {
    this.buffer.push('system', text);
  }

  lastLines(n: number): string[] {
    return this.buffer
      .tail(Math.max(n * 8, 200))
      .filter((l) => l.stream !== 'system')
      .slice(-n)
      .map((l) => l.text);
  }

  /**
   * Starts following the container; the returned stopper also works before the follow
   * attached. The engine ends a follow at once for a container that is created but not yet
   * started (Deployment follows before it starts, so no line is lost): the follow is
   * re-attached from the last line seen until the container runs, and again if the stream
   * drops while it still runs. An exited container ends it; a restart follows anew.
   */
  follow(containerId: string): () => void {
    let stopped = false;
    let stopFollower: (() => void) | null = null;
    const push = (line: { stream: 'stdout' | 'stderr' | 'system'; text: string; time: number }) => {
      if (stopped) return;
      this.lastTime.set(containerId, Math.max(this.lastTime.get(containerId) ?? 0, line.time));
      this.buffer.push(line.stream, line.text, line.time);
    };
    const attach = async () => {
      for (let round = 0; !stopped; round++) {
        const seen = this.lastTime.get(containerId);
        if (seen === undefined) this.lastTime.set(containerId, Date.now() - 1);
        const f = await followLogs(this.docker(), containerId, push, seen !== undefined ? { since: seen + 1 } : { tail: ADOPT_TAIL });
        if (stopped) return f.stop();
        stopFollower = () => f.stop();
        await f.done;
        if (stopped) return;
        const info = await this.docker().getContainer(containerId).inspect().catch(() => null);
        if (!info || !(info.State.Running || info.State.Status === 'created')) return;
        await new Promise((r) => setTimeout(r, Math.min(1000, 100 * (round + 1))));
      }
    };
    // A container gone before the follow attached: its exit is handled by events/inspect.
    attach().catch(() => undefined);
    return () => {
      stopped = true;
      stopFollower?.();
    };
  }
}
