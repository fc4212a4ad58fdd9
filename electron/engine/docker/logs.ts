// Follows a container's output into a LogBuffer (or a callback) with the engine's own
// timestamps, so lines written while Berth was not watching keep their real time.
import type Docker from 'dockerode';
import type { LogLine } from '../../../shared/deployment.js';
import { DockerLogParser } from './log-parser.js';
import { LogBuffer } from './log-buffer.js';

export { LogBuffer } from './log-buffer.js';
export type { LogBufferOptions, LogListener } from './log-buffer.js';

export type LogTarget = LogBuffer | ((line: Omit<LogLine, 'seq'>) => void);

export interface FollowLogsOptions {
  /** Unix seconds (or ms epoch > 1e12): only lines after this time. */
  since?: number;
  /** Only the last n lines already written, then new ones. */
  tail?: number;
  /** Keep following after the existing output (default true). */
  follow?: boolean;
}

export interface LogFollower {
  /** Resolves when the stream ends (container gone / stopped, or stop() called). */
  done: Promise<void>;
  stop(): void;
}

export async function followLogs(docker: Docker, containerId: string, target: LogTarget, opts: FollowLogsOptions = {}): Promise<LogFollower> {
  const container = docker.getContainer(containerId);
  const info = await container.inspect();
  const sink =
    target instanceof LogBuffer
      ? (stream: 'stdout' | 'stderr', text: string, time: number) => void target.push(stream, text, time)
      : (stream: 'stdout' | 'stderr', text: string, time: number) => target({ stream, text, time });
  const parser = new DockerLogParser(!info.Config.Tty, true, sink);
  const since = opts.since === undefined ? undefined : opts.since > 1e12 ? opts.since / 1000 : opts.since;
  const ac = new AbortController();
  const stream = (await (container.logs as unknown as (o: object) => Promise<NodeJS.ReadableStream>)({
    follow: opts.follow ?? true,
    stdout: true,
    stderr: true,
    timestamps: true,
    ...(since !== undefined ? { since } : {}),
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    abortSignal: ac.signal,
  })) as NodeJS.ReadableStream & { destroy?: () => void };
  // follow=false answers with a Buffer instead of a stream.
  if (Buffer.isBuffer(stream)) {
    parser.push(stream);
    parser.end();
    return { done: Promise.resolve(), stop() {} };
  }
  const done = new Promise<void>((resolve) => {
    const finish = () => {
      parser.end();
      resolve();
    };
    stream.on('data', (c: Buffer) => parser.push(c));
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
  return {
    done,
    stop() {
      ac.abort();
      stream.destroy?.();
    },
  };
}
