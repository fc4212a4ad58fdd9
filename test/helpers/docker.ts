// Docker helpers for tests: one dockerode instance (DOCKER_HOST or the default socket),
// labels that mark what a test created, cleanup by label, and `runFixture()` which starts
// the model-server stand-in with its port published on 127.0.0.1 only.
//
//   const c = await runFixture({ area: 'gateway', env: { FIXTURE_STARTUP_DELAY_S: '2' } });
//   await waitForHttp(`${c.url}/health`);  ...  await c.remove();
//   afterAll(() => removeByLabel(testLabels('gateway')));
//
// Tests reach containers only through 127.0.0.1 ports: never via bridge IPs.
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { MODEL_SERVER_IMAGE, MODEL_SERVER_PORT, BUSYBOX_IMAGE } from '../fixtures/images.mjs';
import { freePort } from './ports.js';

export { MODEL_SERVER_IMAGE, MODEL_SERVER_PORT, BUSYBOX_IMAGE };

export const docker = new Docker();

/** Label on everything tests create; the value is the test area (e.g. "gateway"). */
export const TEST_LABEL = 'berth.test';

export function testLabels(area: string): Record<string, string> {
  return { [TEST_LABEL]: area };
}

function labelFilters(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/** True when the engine answers /_ping within timeoutMs. */
export async function engineAnswers(timeoutMs = 3_000): Promise<boolean> {
  try {
    await Promise.race([docker.ping(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), timeoutMs))]);
    return true;
  } catch {
    return false;
  }
}

export async function imageExists(ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Force-removes containers (with volumes) carrying all the given labels. */
export async function removeContainersByLabel(labels: Record<string, string>): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: labelFilters(labels) } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  return list.length;
}

/** Removes images carrying all the given labels (after their containers). */
export async function removeImagesByLabel(labels: Record<string, string>): Promise<number> {
  const list = await docker.listImages({ filters: { label: labelFilters(labels) } });
  for (const img of list) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  return list.length;
}

export async function removeByLabel(labels: Record<string, string>): Promise<void> {
  await removeContainersByLabel(labels);
  await removeImagesByLabel(labels);
}

/** Removes one image tag (not the image's other tags); ignores "no such image". */
export async function removeTag(ref: string): Promise<void> {
  await docker.getImage(ref).remove({ noprune: false }).catch((e: { statusCode?: number }) => {
    if (e.statusCode !== 404) throw e;
  });
}

/** Runs the docker CLI; resolves stdout, rejects with stderr in the message. */
export function dockerCli(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** Drains a docker stream-with-progress (pull/push) and throws on an in-stream error. */
export function followProgress(stream: NodeJS.ReadableStream): Promise<any[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: any[]) => {
      if (err) return reject(err);
      const failed = out.find((o) => o && (o.error || o.errorDetail));
      if (failed) return reject(new Error(failed.error ?? failed.errorDetail?.message));
      resolve(out);
    });
  });
}

export interface FixtureOptions {
  /** Test area, becomes the `berth.test` label and part of the container name. */
  area: string;
  image?: string;
  env?: Record<string, string>;
  /** Replaces the image CMD (e.g. ['sh', '-c', '...']). */
  cmd?: string[];
  user?: string;
  /** Host binds, e.g. ['/tmp/x:/secrets:ro']. */
  binds?: string[];
  containerPort?: number;
  /** Host port on 127.0.0.1; a free one when absent. */
  hostPort?: number;
  labels?: Record<string, string>;
}

export interface FixtureContainer {
  id: string;
  name: string;
  port: number;
  url: string;
  container: Docker.Container;
  logs(): Promise<string>;
  /** Polls the logs until pattern matches (bounded); resolves the logs, throws with their tail. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
  remove(): Promise<void>;
}

/** Creates and starts a container of the fixture image with its port on 127.0.0.1. */
export async function runFixture(opts: FixtureOptions): Promise<FixtureContainer> {
  const containerPort = opts.containerPort ?? MODEL_SERVER_PORT;
  const port = opts.hostPort ?? (await freePort());
  const name = `${opts.area}-fixture-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const container = await docker.createContainer({
    name,
    Image: opts.image ?? MODEL_SERVER_IMAGE,
    Cmd: opts.cmd,
    User: opts.user,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { ...testLabels(opts.area), ...opts.labels },
    ExposedPorts: { [`${containerPort}/tcp`]: {} },
    HostConfig: {
      PortBindings: { [`${containerPort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
      Binds: opts.binds,
    },
  });
  await container.start();
  const logs = async () => demux((await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);
  return {
    id: container.id,
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    container,
    logs,
    async waitForLog(pattern: RegExp, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const out = await logs();
        if (pattern.test(out)) return out;
        if (Date.now() > deadline) throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms; last output:\n${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await container.stop({ t: 2 }).catch(() => undefined);
    },
    async remove() {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    },
  };
}

/** Strips the 8-byte multiplexing headers of a non-TTY log buffer. */
export function demux(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString('utf8');
    i += 8 + len;
  }
  return i === 0 && buf.length > 0 ? buf.toString('utf8') : out;
}
