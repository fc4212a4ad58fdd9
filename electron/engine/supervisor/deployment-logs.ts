// One deployment's log: the container's output (engine timestamps), Berth's own lines
// (transitions, build output) and the follow of the container stream. Following the same
// container again (after a restart) asks the engine only for lines after the last one seen,
// so a restart never replays the whole history into the buffer.
import type Docker from 'dockerode';
import { LogBuffer, followLogs, type LogBufferOptions } from '../docker/logs.js';
import type { LogSink } from './ports.js';

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

  /** Starts following the container; the returned stopper also works before the follow attached. */
  follow(containerId: string): () => void {
    let stopped = false;
    let stopFollower: (() => void) | null = null;
    const seen = this.lastTime.get(containerId);
    const opts = seen !== undefined ? { since: seen + 1 } : { tail: ADOPT_TAIL };
    followLogs(
      this.docker(),
      containerId,
      (line) => {
        if (stopped) return;
        this.lastTime.set(containerId, Math.max(this.lastTime.get(containerId) ?? 0, line.time));
        this.buffer.push(line.stream, line.text, line.time);
      },
      opts,
    ).then(
      (f) => {
        if (stopped) f.stop();
        else stopFollower = () => f.stop();
      },
      // A container gone before the follow attached: its exit is handled by events/inspect.
      () => undefined,
    );
    if (seen === undefined) this.lastTime.set(containerId, Date.now() - 1);
    return () => {
      stopped = true;
      stopFollower?.();
    };
  }
}
