// Runs one shell step inside the build container and streams its output line by line.
import type Docker from 'dockerode';
import { DockerLogParser } from '../docker/log-parser.js';

export interface StepOutput {
  exitCode: number;
  /** The last lines of output, for the failure message. */
  lastLines: string[];
}

export async function execStep(
  container: Docker.Container,
  script: string,
  opts: { user?: string; workingDir?: string; onLine: (stream: 'stdout' | 'stderr', text: string) => void; keepLines?: number; signal?: AbortSignal },
): Promise<StepOutput> {
  const keep = opts.keepLines ?? 20;
  const last: string[] = [];
  const exec = await container.exec({
    Cmd: ['sh', '-c', script],
    AttachStdout: true,
    AttachStderr: true,
    ...(opts.user ? { User: opts.user } : {}),
    ...(opts.workingDir ? { WorkingDir: opts.workingDir } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const parser = new DockerLogParser(true, false, (s, text) => {
    last.push(text);
    if (last.length > keep) last.shift();
    opts.onLine(s, text);
  });
  await new Promise<void>((resolve) => {
    const onAbort = () => {
      stream.destroy();
      resolve();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (c: Buffer) => parser.push(c));
    const done = () => {
      opts.signal?.removeEventListener('abort', onAbort);
      parser.end();
      resolve();
    };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', done);
  });
  // The exec may report Running for a moment after its stream closed.
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) return { exitCode: info.ExitCode ?? -1, lastLines: last };
    await new Promise((r) => setTimeout(r, 20));
  }
  return { exitCode: -1, lastLines: last };
}
