// Real pulls from a real local registry (Debian's docker-registry on 127.0.0.1), with and
// without htpasswd auth. The pushed image has two layers of random bytes that exist nowhere
// else, so the engine really downloads them and the progress is real.
import { spawn as require_spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullProgress } from '../../../shared/deployment.js';
import { ensureImage, PullError, registryAuthFor } from '../../../electron/engine/docker/images.js';
import { BUSYBOX_IMAGE, docker, dockerCli, removeByLabel, removeTag, testLabels } from '../../helpers/docker.js';
import { freePort } from '../../helpers/ports.js';
import { startRegistry, type LocalRegistry } from '../../helpers/registry.js';

const AREA = 'engine-docker-images';
const run = randomBytes(4).toString('hex');
const work = mkdtempSync(join(tmpdir(), 'engine-docker-images-'));
let open: LocalRegistry;
let secured: LocalRegistry;
const localTag = `engine-docker/pull-src:${run}`;
const USER = 'berth-user';
const PASS = `pw-${randomBytes(6).toString('hex')}`;

async function pushAs(ref: string, configDir?: string): Promise<void> {
  await dockerCli(['tag', localTag, ref]);
  await dockerCli([...(configDir ? ['--config', configDir] : []), 'push', ref]);
  await removeTag(ref);
}

beforeAll(async () => {
  [open, secured] = await Promise.all([startRegistry(), startRegistry({ auth: { username: USER, password: PASS } })]);
  const ctx = join(work, 'ctx');
  rmSync(ctx, { recursive: true, force: true });
  await import('node:fs').then((fs) => fs.mkdirSync(ctx));
  writeFileSync(
    join(ctx, 'Dockerfile'),
    `FROM ${BUSYBOX_IMAGE}\nRUN head -c 3000000 /dev/urandom > /layer-a\nRUN head -c 2000000 /dev/urandom > /layer-b\nLABEL berth.test=${AREA}\n`,
  );
  await dockerCli(['build', '-q', '-t', localTag, ctx]);
  const loginDir = join(work, 'login');
  await import('node:fs').then((fs) => fs.mkdirSync(loginDir));
  await new Promise<void>((resolve, reject) => {
    const p = require_spawn('docker', ['--config', loginDir, 'login', '-u', USER, '--password-stdin', secured.address]);
    p.stdin!.end(PASS);
    p.on('close', (code: number) => (code === 0 ? resolve() : reject(new Error(`docker login exited ${code}`))));
  });
  await pushAs(open.ref(`engine-docker/pull-${run}:v1`));
  await pushAs(secured.ref(`engine-docker/private-${run}:v1`), loginDir);
  await pushAs(open.ref(`engine-docker/moving-${run}:latest`));
  // Remove the source image so its unique layers must come over the wire.
  await docker.getImage(localTag).remove({ force: true });
}, 180_000);



afterAll(async () => {
  for (const r of [open, secured]) {
    for (const ref of [`engine-docker/pull-${run}:v1`, `engine-docker/private-${run}:v1`, `engine-docker/moving-${run}:latest`]) await removeTag(r.ref(ref)).catch(() => {});
  }
  await removeTag(localTag).catch(() => {});
  await removeByLabel(testLabels(AREA)).catch(() => {});
  await Promise.all([open?.stop(), secured?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

describe('ensureImage', () => {
  it('pulls with per-layer progress reaching 100% and returns the digest', async () => {
    const ref = open.ref(`engine-docker/pull-${run}:v1`);
    const events: PullProgress[] = [];
    const got = await ensureImage(docker, ref, { onProgress: (p) => events.push(p), progressIntervalMs: 0 });
    expect(got.pulled).toBe(true);
    expect(got.digest).toMatch(new RegExp(`^${open.address}/engine-docker/pull-${run}@sha256:[0-9a-f]{64}$`));
    expect(got.movingTag).toBe(false);
    expect(got.warning).toBeUndefined();
    const last = events[events.length - 1];
    expect(last.fraction).toBe(1);
    expect(last.digest).toBe(got.digest!.split('@')[1]);
    // Two fresh layers were downloaded with byte counts; the busybox layer already existed.
    const downloading = events.flatMap((e) => e.layers).filter((l) => l.status === 'Downloading');
    expect(new Set(downloading.map((l) => l.id)).size).toBeGreaterThanOrEqual(2);
    expect(last.bytesTotal).toBeGreaterThan(2_000_000);
    expect(last.bytesDone).toBe(last.bytesTotal);
    for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
    expect(events.some((e) => e.fraction > 0 && e.fraction < 1)).toBe(true);

    // Second call reuses the local copy; repull goes to the registry again.
    const again = await ensureImage(docker, ref);
    expect(again).toMatchObject({ pulled: false, id: got.id, digest: got.digest });
    const re = await ensureImage(docker, ref, { repull: true });
    expect(re.pulled).toBe(true);
    expect(re.id).toBe(got.id);
  });

  it('flags a moving tag', async () => {
    const got = await ensureImage(docker, open.ref(`engine-docker/moving-${run}`));
    expect(got.movingTag).toBe(true);
    expect(got.warning).toMatch(/moving tag.*pin a digest/);
  });

  it('pulls a private image with credentials from a docker config dir', async () => {
    const ref = secured.ref(`engine-docker/private-${run}:v1`);
    const auth = await registryAuthFor(ref, { dockerConfigDir: join(work, 'login') });
    expect(auth?.auth.username).toBe(USER);
    expect(auth?.source).not.toContain(PASS);
    const got = await ensureImage(docker, ref, { auth, repull: true });
    expect(got.pulled).toBe(true);
    expect(got.digest).toContain(`@sha256:`);
  });

  it('pulls with a Berth REGISTRY_SECRET in both formats', async () => {
    const ref = secured.ref(`engine-docker/private-${run}:v1`);
    for (const value of [`${USER}:${PASS}`, JSON.stringify({ username: USER, password: PASS })]) {
      const auth = await registryAuthFor(ref, { dockerConfigDir: join(work, 'none'), secretAuth: { secretName: 'reg_secret', value, registry: secured.address } });
      const got = await ensureImage(docker, ref, { auth, repull: true });
      expect(got.pulled).toBe(true);
    }
  });

  it('explains refused credentials and missing credentials', async () => {
    const ref = secured.ref(`engine-docker/private-${run}:v1`);
    await removeTag(ref);
    const badDir = join(work, 'bad');
    await import('node:fs').then((fs) => fs.mkdirSync(badDir));
    writeFileSync(join(badDir, 'config.json'), JSON.stringify({ auths: { [secured.address]: { auth: Buffer.from(`${USER}:wrong-password`).toString('base64') } } }));
    const auth = await registryAuthFor(ref, { dockerConfigDir: badDir });
    const err = await ensureImage(docker, ref, { auth }).catch((e) => e);
    expect(err).toBeInstanceOf(PullError);
    expect(err.code).toBe('REGISTRY_AUTH');
    expect(err.message).toContain(`Credentials for ${secured.address} were refused`);
    expect(err.hint).toMatch(/docker login/);
    expect(JSON.stringify(err)).not.toContain('wrong-password');

    const secretErr = await ensureImage(docker, ref, {
      auth: await registryAuthFor(ref, { secretAuth: { secretName: 'ngc_key', value: `${USER}:nope` } }),
    }).catch((e) => e);
    expect(secretErr.code).toBe('REGISTRY_AUTH');
    expect(secretErr.hint).toContain('Berth secret "ngc_key"');

    const anon = await ensureImage(docker, ref).catch((e) => e);
    expect(anon.code).toBe('REGISTRY_AUTH');
    expect(anon.hint).toMatch(/docker login 127\.0\.0\.1/);
  });

  it('explains an image that does not exist', async () => {
    const ref = open.ref(`engine-docker/does-not-exist-${run}:v9`);
    const err = await ensureImage(docker, ref).catch((e) => e);
    expect(err).toMatchObject({ code: 'IMAGE_NOT_FOUND', failure: 'not-found' });
    expect(err.message).toBe(`Image ${ref} was not found on ${open.address}.`);
    expect(err.hint).toMatch(/image name and tag/);
  });

  it('explains an unreachable registry', async () => {
    const port = await freePort();
    const err = await ensureImage(docker, `127.0.0.1:${port}/engine-docker/x:1`).catch((e) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_UNREACHABLE', failure: 'unreachable' });
    expect(err.message).toContain(`Registry 127.0.0.1:${port} could not be reached`);
  });

  it('rejects a malformed Berth registry secret with a clear hint', async () => {
    await expect(registryAuthFor('x.io/a:1', { secretAuth: { secretName: 's', value: 'no-colon' } })).rejects.toMatchObject({ code: 'REGISTRY_AUTH' });
  });
});

