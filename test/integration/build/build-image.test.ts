// Derived-image builds on the real engine. The secret check is byte-level: `docker save`
// writes every layer as an uncompressed tar, so the secret appearing in any file of any
// layer would appear in the saved archive's bytes; history and inspect are checked as text.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildPlan } from '../../../shared/plan.js';
import { buildDerivedImage, BuildError, BUILD_HASH_LABEL, type BuildLogLine } from '../../../electron/engine/build/build-image.js';
import { BUSYBOX_IMAGE, docker, dockerCli, removeTag } from '../../helpers/docker.js';
import { testPlan } from '../docker/support/plan.js';

const run = randomBytes(4).toString('hex');
const work = mkdtempSync(join(tmpdir(), 'engine-docker-build-'));
const tags: string[] = [];

afterAll(async () => {
  for (const t of tags) await removeTag(t).catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

function buildPlan(steps: BuildPlan['steps'], extra: Partial<BuildPlan> = {}): BuildPlan {
  const hash = randomBytes(16).toString('hex');
  const tag = `engine-docker-build/${run}:${hash.slice(0, 12)}`;
  tags.push(tag);
  return { baseImage: BUSYBOX_IMAGE, steps, inputs: [], hash, tag, secrets: [], ...extra };
}

function saveBytes(tag: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('docker', ['save', tag], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

describe('buildDerivedImage', () => {
  it('gives build commands the secret at /secrets and keeps it out of every layer, history and config', async () => {
    const token = `tok_${randomBytes(20).toString('hex')}`;
    const build = buildPlan(
      [
        { kind: 'build_command', run: 'mkdir -p /app && sha256sum /secrets/token > /app/token.sha && cat /secrets/token | wc -c > /app/token.len' },
        { kind: 'build_command', run: 'echo "careless: $(cat /secrets/token)"' },
      ],
      { secrets: ['token'] },
    );
    const plan = testPlan({ build, runImage: build.tag, trussDir: work });
    const logs: BuildLogLine[] = [];
    const res = await buildDerivedImage(docker, plan, { secretValues: { token }, secretsRoot: join(work, 'secrets'), onLog: (l) => logs.push(l) });
    expect(res.cached).toBe(false);

    const sha = await dockerCli(['run', '--rm', '--entrypoint', 'sh', build.tag, '-c', 'cat /app/token.sha; cat /app/token.len; ls -A /secrets | wc -l']);
    const expected = (await import('node:crypto')).createHash('sha256').update(token).digest('hex');
    expect(sha.split('\n')).toEqual([`${expected}  /secrets/token`, String(token.length), '0']);

    const saved = await saveBytes(build.tag);
    expect(saved.length).toBeGreaterThan(1000);
    expect(saved.includes(Buffer.from(token))).toBe(false);
    expect(saved.includes(Buffer.from(expected))).toBe(true); // the scan does see file contents
    const history = await dockerCli(['history', '--no-trunc', '--format', '{{.CreatedBy}} {{.Comment}}', build.tag]);
    expect(history).toContain('berth derived image');
    expect(history).not.toContain(token);
    const inspect = await dockerCli(['image', 'inspect', build.tag]);
    expect(inspect).not.toContain(token);

    // The derived image keeps the base's runtime config and carries the build hash.
    const [img, base] = await Promise.all([docker.getImage(build.tag).inspect(), docker.getImage(BUSYBOX_IMAGE).inspect()]);
    expect(img.Config.Entrypoint ?? []).toEqual(base.Config.Entrypoint ?? []);
    expect(img.Config.Cmd).toEqual(base.Config.Cmd?.length ? base.Config.Cmd : ['sh']);
    expect(img.Config.Env).toEqual(base.Config.Env);
    expect(img.Config.Labels?.[BUILD_HASH_LABEL]).toBe(build.hash);

    // Output lines are streamed, with the secret redacted.
    expect(logs.some((l) => l.text === 'careless: ***' && l.step === 2)).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(token);

    // No build container or secrets dir is left behind.
    const left = await docker.listContainers({ all: true, filters: { name: [`berth-build-${plan.deploymentId}`] } });
    expect(left).toEqual([]);
    expect((await import('node:fs')).readdirSync(join(work, 'secrets'))).toEqual([]);

    // Same hash again: the cached image is used without running anything.
    const again = await buildDerivedImage(docker, plan, { secretValues: { token } });
    expect(again).toMatchObject({ cached: true, id: res.id, tag: build.tag });
  });

  it('rebuilds when the base tag now names a different image (a re-pulled moving tag), not only when inputs change', async () => {
    const baseTag = `engine-docker-build/${run}-base:latest`;
    tags.push(baseTag);
    await docker.getImage(BUSYBOX_IMAGE).tag({ repo: `engine-docker-build/${run}-base`, tag: 'latest' });
    const build = buildPlan([{ kind: 'build_command', run: 'mkdir -p /app && cat /base-version 2>/dev/null > /app/seen || echo first > /app/seen' }], { baseImage: baseTag });
    const plan = testPlan({ build, runImage: build.tag, trussDir: work });
    const first = await buildDerivedImage(docker, plan, {});
    expect(first.cached).toBe(false);
    expect((await buildDerivedImage(docker, plan, {})).cached).toBe(true);

    // The same tag now points at new content: as after `docker pull` of a moved :latest.
    const c = await docker.createContainer({ Image: BUSYBOX_IMAGE, Entrypoint: ['sh', '-c', 'echo second > /base-version'] });
    await c.start();
    await c.wait();
    await c.commit({ repo: `engine-docker-build/${run}-base`, tag: 'latest' });
    await c.remove();
    const second = await buildDerivedImage(docker, plan, {});
    expect(second.cached).toBe(false);
    expect(await dockerCli(['run', '--rm', '--entrypoint', 'cat', build.tag, '/app/seen'])).toBe('second');
  });

  it('masks every line of a multi-line secret (a PEM key) that a build command prints', async () => {
    const lines = ['-----BEGIN PRIVATE KEY-----', `MIIEv${randomBytes(24).toString('hex')}`, `Qx9Z${randomBytes(24).toString('hex')}`, '-----END PRIVATE KEY-----'];
    const pem = lines.join('\n') + '\n';
    const build = buildPlan([{ kind: 'build_command', run: 'cat /secrets/pem' }], { secrets: ['pem'] });
    const plan = testPlan({ build, runImage: build.tag, trussDir: work });
    const logs: BuildLogLine[] = [];
    await buildDerivedImage(docker, plan, { secretValues: { pem }, secretsRoot: join(work, 'secrets-pem'), onLog: (l) => logs.push(l) });
    const out = JSON.stringify(logs);
    for (const l of lines) expect(out).not.toContain(l);
    expect(logs.filter((l) => l.text === '***').length).toBeGreaterThanOrEqual(lines.length);
  });

  it('copies requirement inputs and the truss data dir in, then runs steps that use them', async () => {
    const truss = join(work, 'truss');
    mkdirSync(join(truss, 'data', 'sub'), { recursive: true });
    writeFileSync(join(truss, 'requirements.txt'), 'numpy==2.0\n');
    writeFileSync(join(truss, 'data', 'a.txt'), 'alpha');
    writeFileSync(join(truss, 'data', 'sub', 'b.txt'), 'beta');
    const build = buildPlan(
      [
        { kind: 'requirements_file', source: 'requirements.txt', target: '/tmp/berth-build/requirements.txt', run: 'cp /tmp/berth-build/requirements.txt /reqs-seen' },
        { kind: 'data', source: 'data', target: '/app/data' },
        { kind: 'build_command', run: 'cat /app/data/sub/b.txt > /from-data' },
      ],
      { inputs: ['requirements.txt', 'data/a.txt', 'data/sub/b.txt'] },
    );
    const plan = testPlan({ build, runImage: build.tag, trussDir: truss });
    await buildDerivedImage(docker, plan);
    const out = await dockerCli(['run', '--rm', '--entrypoint', 'sh', build.tag, '-c', 'cat /reqs-seen /app/data/a.txt; echo; cat /from-data; echo; ls /tmp/berth-build 2>&1 | wc -l; stat -c %u /app/data/a.txt']);
    expect(out.split('\n')).toEqual(['numpy==2.0', 'alpha', 'beta', '1', '0']);
    expect(await dockerCli(['run', '--rm', '--entrypoint', 'sh', build.tag, '-c', 'test -e /tmp/berth-build && echo present || echo gone'])).toBe('gone');
  });

  it('reports a failing step with its number, exit code and last output, and leaves nothing behind', async () => {
    const build = buildPlan([
      { kind: 'build_command', run: 'echo step one ok' },
      { kind: 'build_command', run: 'echo compiling; echo "error: missing header foo.h" >&2; exit 3' },
      { kind: 'build_command', run: 'echo never runs' },
    ]);
    const plan = testPlan({ build, runImage: build.tag, trussDir: work });
    const logs: BuildLogLine[] = [];
    const err = (await buildDerivedImage(docker, plan, { onLog: (l) => logs.push(l) }).catch((e) => e)) as BuildError;
    expect(err).toBeInstanceOf(BuildError);
    expect(err.code).toBe('BUILD_FAILED');
    expect(err.message).toBe('Build step 2/3 (build_commands) failed with exit code 3: echo compiling; echo "error: missing header foo.h" >&2; exit 3');
    expect(err).toMatchObject({ step: 2, exitCode: 3 });
    // stdout and stderr are separate pipes: their relative order is not guaranteed.
    expect([...err.lastLines].sort()).toEqual(['compiling', 'error: missing header foo.h']);
    expect(err.hint).toMatch(/^Fix build_commands in config.yaml/);
    expect(err.hint).toContain('error: missing header foo.h');
    expect(logs.some((l) => l.text === 'error: missing header foo.h' && l.stream === 'stderr')).toBe(true);
    expect(logs.some((l) => l.text === 'never runs')).toBe(false);
    await expect(docker.getImage(build.tag).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const left = await docker.listContainers({ all: true, filters: { name: [`berth-build-${plan.deploymentId}`] } });
    expect(left).toEqual([]);
  });

  it('refuses to build without a secret the build needs', async () => {
    const build = buildPlan([{ kind: 'build_command', run: 'cat /secrets/hf' }], { secrets: ['hf'] });
    await expect(buildDerivedImage(docker, testPlan({ build, trussDir: work }))).rejects.toMatchObject({ code: 'SECRET_MISSING' });
  });
});
