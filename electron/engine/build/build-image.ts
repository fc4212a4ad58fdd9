// Builds the derived image a truss needs (system packages, requirements, data, build
// commands) without BuildKit: one container from the base image runs the steps in order,
// then is committed. Secrets are a read-only bind mount during the build, so they are
// readable by build commands and, as mounts are never committed, absent from every layer
// and from the image's history and config.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { posix } from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';
import { BerthError } from '../../../shared/errors.js';
import { LABELS, type BuildStep, type RunPlan } from '../../../shared/plan.js';
import { BUILD_INPUT_DIR } from '../../../shared/truss/constants.js';
import { defaultSecretsRoot, writeSecretsDir } from '../docker/secrets-dir.js';
import { numericOwner } from '../docker/container.js';
import { execStep } from './exec-step.js';
import { BUILD_CONTAINER_LABEL, BUILD_OWNER_FILE, markBuildContainerInUse } from './labels.js';

export const BUILD_HASH_LABEL = 'dev.berth.build-hash';
/** The base image's id the build was made from. */
export const BUILD_BASE_LABEL = 'dev.berth.build-base';

export interface BuildLogLine {
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
  time: number;
  /** 1-based step number; 0 for Berth's own messages. */
  step: number;
}

export interface BuildOptions {
  secretValues?: Record<string, string>;
  secretsRoot?: string;
  onLog?: (line: BuildLogLine) => void;
  /** Called with (stepsDone, stepsTotal) as the build advances. */
  onStep?: (done: number, total: number, step: BuildStep) => void;
  signal?: AbortSignal;
  /** Rebuild even when an image with the same build hash exists. */
  force?: boolean;
  /**
   * Stamped on the build container as LABELS.instance, so recovery of this Berth instance
   * finds (and removes) one left behind by a Berth that died mid-build.
   */
  instanceId?: string;
  /** More labels for the build container (the owning process, test markers); Berth's own win. */
  extraLabels?: Record<string, string>;
}

export interface BuildResult {
  tag: string;
  id: string;
  cached: boolean;
  durationMs: number;
}

export class BuildError extends BerthError {
  constructor(
    message: string,
    hint: string,
    readonly step: number,
    readonly exitCode: number | null,
    readonly lastLines: string[],
  ) {
    super('BUILD_FAILED', message, hint);
  }
}

const FIELD: Record<BuildStep['kind'], string> = {
  system_packages: 'system_packages',
  requirements_file: 'requirements_file',
  requirements: 'requirements',
  data: 'the data/ directory',
  external_data: 'external_data',
  build_command: 'build_commands',
};

function shorten(s: string, n = 160): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function splitTag(tag: string): { repo: string; tag: string } {
  const slash = tag.lastIndexOf('/');
  const colon = tag.lastIndexOf(':');
  return colon > slash ? { repo: tag.slice(0, colon), tag: tag.slice(colon + 1) } : { repo: tag, tag: 'latest' };
}

/** Replaces secret values in build output: a command echoing a token must not put it on screen. */
function redactor(values: string[]): (s: string) => string {
  // Output arrives line by line: a multi-line secret (a PEM key, a JSON key file) is masked
  // line by line too.
  const pieces = values.flatMap((v) => [v, ...v.split(/\r?\n/)]);
  const vals = [...new Set(pieces.map((v) => v.trim()).filter((v) => v.length >= 4))].sort((a, b) => b.length - a.length);
  if (!vals.length) return (s) => s;
  return (s) => {
    for (const v of vals) if (s.includes(v)) s = s.split(v).join('***');
    return s;
  };
}

async function copyIn(container: Docker.Container, srcDir: string, entries: string[] | undefined, dest: string, rename?: (name: string) => string): Promise<void> {
  const stream = pack(srcDir, {
    ...(entries ? { entries } : {}),
    map: (h) => {
      h.uid = 0;
      h.gid = 0;
      if (rename) h.name = rename(h.name);
      return h;
    },
  });
  await container.putArchive(stream as unknown as NodeJS.ReadableStream, { path: dest });
}

export async function buildDerivedImage(docker: Docker, plan: RunPlan, opts: BuildOptions = {}): Promise<BuildResult> {
  const build = plan.build;
  if (!build) throw new BerthError('INTERNAL', 'This model needs no build.', 'Start it directly.');
  const t0 = Date.now();
  const log = (stream: BuildLogLine['stream'], text: string, step: number) => opts.onLog?.({ stream, text, time: Date.now(), step });

  const base = await docker.getImage(build.baseImage).inspect().catch(() => null);
  if (!base) throw new BerthError('IMAGE_NOT_FOUND', `Base image ${build.baseImage} is not on this engine.`, 'Pull it first (Berth does this before building), then retry.');

  // The cache holds while the inputs and the base image itself are unchanged: a moving tag
  // re-pulled with new content must not keep serving a build of the old one.
  if (!opts.force) {
    const existing = await docker.getImage(build.tag).inspect().catch(() => null);
    const labels = existing?.Config?.Labels ?? {};
    if (existing && labels[BUILD_HASH_LABEL] === build.hash && labels[BUILD_BASE_LABEL] === base.Id) {
      log('system', `Using the cached build ${build.tag} (inputs and base image unchanged).`, 0);
      return { tag: build.tag, id: existing.Id, cached: true, durationMs: Date.now() - t0 };
    }
  }

  const values = opts.secretValues ?? {};
  const missing = build.secrets.filter((s) => typeof values[s] !== 'string');
  if (missing.length) {
    throw new BerthError(
      'SECRET_MISSING',
      `The build needs secret${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s}"`).join(', ')}, which ${missing.length > 1 ? 'have' : 'has'} no value in Berth.`,
      `Set ${missing.length > 1 ? 'them' : 'it'} on the Secrets page (or \`berth secrets set ${missing[0]}\`), then start again.`,
    );
  }
  const redact = redactor(build.secrets.map((s) => values[s]));
  const runId = randomBytes(4).toString('hex');
  const imageUser = base.Config?.User ?? '';
  const name = `berth-build-${plan.deploymentId}-${runId}`;
  // Marked before it exists: a recovery running meanwhile must not take it for a leftover.
  const release = markBuildContainerInUse(name);
  let secrets: Awaited<ReturnType<typeof writeSecretsDir>> | null = null;
  let container: Docker.Container | null = null;
  try {
    if (build.secrets.length) {
      const v: Record<string, string> = {};
      for (const s of build.secrets) v[s] = values[s];
      secrets = await writeSecretsDir(opts.secretsRoot ?? defaultSecretsRoot(), `build-${runId}`, v, numericOwner(imageUser));
      // Who wrote it: a sweep removes the dir of a process that died before its container existed.
      await writeFile(`${secrets.root}/${BUILD_OWNER_FILE}`, `${process.pid}@${hostname()}\n`, { mode: 0o600 });
    }
    container = await docker.createContainer({
      name,
      Image: build.baseImage,
      // Keeps the container alive while steps run through exec; replaced again on commit.
      Entrypoint: ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 1; done'],
      Cmd: [],
      Labels: {
        ...(opts.extraLabels ?? {}),
        [LABELS.managed]: 'true',
        [LABELS.deployment]: plan.deploymentId,
        [LABELS.model]: plan.modelName,
        [BUILD_CONTAINER_LABEL]: 'true',
        ...(opts.instanceId ? { [LABELS.instance]: opts.instanceId } : {}),
      },
      HostConfig: { Binds: secrets ? [`${secrets.mountSource}:/secrets:ro`] : [], RestartPolicy: { Name: 'no' } },
    });
    try {
      await container.start();
    } catch (err) {
      const text = String((err as { json?: { message?: string } }).json?.message ?? (err as Error).message);
      if (/executable file not found|no such file or directory/i.test(text)) {
        throw new BuildError(`The base image ${build.baseImage} has no shell (sh), so build steps cannot run in it.`, 'Use a base image with /bin/sh, or set docker_server.no_build and bake the steps into your image.', 0, null, []);
      }
      throw err;
    }

    const steps = build.steps;
    const total = steps.length;
    const nonData = build.inputs.filter((p) => !p.startsWith('data/'));
    if (nonData.length) {
      await execStep(container, `mkdir -p ${BUILD_INPUT_DIR}`, { user: '0', onLine: () => {} });
      // Inputs (requirements files, pyproject/uv.lock) land flat in BUILD_INPUT_DIR, where the steps expect them.
      await copyIn(container, plan.trussDir, nonData, BUILD_INPUT_DIR, (n) => posix.basename(n));
    }

    for (let i = 0; i < total; i++) {
      if (opts.signal?.aborted) throw new BuildError('The build was cancelled.', 'Start again to rebuild.', i + 1, null, []);
      const step = steps[i];
      const n = i + 1;
      opts.onStep?.(i, total, step);
      if (step.kind === 'data') {
        log('system', `Step ${n}/${total}: copy ${step.source ?? 'data'}/ to /app/data`, n);
        await execStep(container, 'mkdir -p /app/data', { user: '0', onLine: () => {} });
        try {
          await copyIn(container, posix.join(plan.trussDir, step.source ?? 'data'), undefined, '/app/data');
        } catch (err) {
          throw new BuildError(`Copying the truss data/ directory into the image failed: ${(err as Error).message}`, 'Check that data/ is readable, then start again.', n, null, []);
        }
        continue;
      }
      const script = step.run ?? '';
      log('system', `Step ${n}/${total} (${FIELD[step.kind]}): ${shorten(redact(script), 300)}`, n);
      // Package managers need root; everything else runs as the image's user, as a Dockerfile RUN would.
      const user = step.kind === 'system_packages' ? '0' : imageUser || undefined;
      const out = await execStep(container, script, {
        user,
        workingDir: base.Config?.WorkingDir || undefined,
        onLine: (s, text) => log(s, redact(text), n),
        signal: opts.signal,
      });
      if (opts.signal?.aborted) throw new BuildError('The build was cancelled.', 'Start again to rebuild.', n, null, []);
      if (out.exitCode !== 0) {
        const tail = out.lastLines.slice(-10).map(redact);
        throw new BuildError(
          `Build step ${n}/${total} (${FIELD[step.kind]}) failed with exit code ${out.exitCode}: ${shorten(redact(script))}`,
          `Fix ${FIELD[step.kind]} in config.yaml and start again.${tail.length ? ` Last output:\n${tail.join('\n')}` : ''}`,
          n,
          out.exitCode,
          tail,
        );
      }
    }
    opts.onStep?.(total, total, steps[total - 1]);
    if (nonData.length) await execStep(container, `rm -rf ${BUILD_INPUT_DIR}`, { user: '0', onLine: () => {} });

    log('system', `Saving image ${build.tag}`, 0);
    const { repo, tag } = splitTag(build.tag);
    const cfg = base.Config ?? ({} as Docker.ImageInspectInfo['Config']);
    await container.stop({ t: 5 }).catch(() => {});
    const committed = (await (container.commit as unknown as (o: object) => Promise<{ Id: string }>)({
      _query: { container: container.id, repo, tag, comment: 'berth derived image', pause: false },
      // The image keeps the base's runtime config; only the build hash label is added.
      _body: {
        // The engine fills a null Entrypoint (and an empty Cmd) from the build container's
        // keep-alive loop; an explicit [] keeps "no entrypoint".
        Entrypoint: cfg.Entrypoint ?? [],
        Cmd: cfg.Cmd?.length || (Array.isArray(cfg.Entrypoint) ? cfg.Entrypoint.length : cfg.Entrypoint) ? (cfg.Cmd ?? null) : ['sh'],
        Env: cfg.Env ?? [],
        User: cfg.User ?? '',
        WorkingDir: cfg.WorkingDir ?? '',
        ExposedPorts: cfg.ExposedPorts ?? {},
        Labels: { ...(cfg.Labels ?? {}), [LABELS.managed]: 'true', [BUILD_HASH_LABEL]: build.hash, [BUILD_BASE_LABEL]: base.Id },
      },
    }));
    log('system', `Built ${build.tag} in ${((Date.now() - t0) / 1000).toFixed(1)} s`, 0);
    return { tag: build.tag, id: committed.Id, cached: false, durationMs: Date.now() - t0 };
  } catch (err) {
    if (err instanceof BerthError) throw err;
    const text = String((err as { json?: { message?: string } }).json?.message ?? (err as Error).message ?? err);
    throw new BuildError(`Building ${build.tag} failed: ${shorten(text, 300)}`, 'Check that Docker is running and has free disk space (`docker system df`), then start again.', 0, null, []);
  } finally {
    if (container) await container.remove({ force: true }).catch(() => {});
    await secrets?.cleanup();
    release();
  }
}
