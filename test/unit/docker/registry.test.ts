import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizedRef, parseImageRef } from '../../../electron/engine/docker/image-ref.js';
import { parseSecretCredentials, registryAuthFor } from '../../../electron/engine/docker/registry-auth.js';
import { translatePullError } from '../../../electron/engine/docker/images.js';

const dir = mkdtempSync(join(tmpdir(), 'engine-docker-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('parseImageRef', () => {
  it('finds registry, repository, tag, digest and moving tags', () => {
    expect(parseImageRef('busybox')).toMatchObject({ registry: 'docker.io', path: 'library/busybox', repository: 'busybox', tag: null, movingTag: true });
    expect(parseImageRef('vllm/vllm-openai:v0.7.3')).toMatchObject({ registry: 'docker.io', repository: 'vllm/vllm-openai', tag: 'v0.7.3', movingTag: false });
    expect(parseImageRef('nvcr.io/nvidia/tritonserver:24.01-py3')).toMatchObject({ registry: 'nvcr.io', path: 'nvidia/tritonserver', repository: 'nvcr.io/nvidia/tritonserver' });
    expect(parseImageRef('localhost:5000/a/b:latest')).toMatchObject({ registry: 'localhost:5000', tag: 'latest', movingTag: true });
    const d = parseImageRef(`ghcr.io/x/y@sha256:${'a'.repeat(64)}`);
    expect(d).toMatchObject({ registry: 'ghcr.io', digest: `sha256:${'a'.repeat(64)}`, tag: null, movingTag: false });
    expect(normalizedRef('busybox')).toBe('busybox:latest');
    expect(normalizedRef('127.0.0.1:5000/x/y')).toBe('127.0.0.1:5000/x/y:latest');
  });
});

describe('registryAuthFor', () => {
  it('reads base64 auths for a private registry and for Docker Hub', async () => {
    const d = join(dir, 'auths');
    (await import('node:fs')).mkdirSync(d);
    writeFileSync(
      join(d, 'config.json'),
      JSON.stringify({ auths: { 'registry.example.com': { auth: b64('ann:s3cret:with:colons') }, 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') } } }),
    );
    const a = await registryAuthFor('registry.example.com/team/model:1', { dockerConfigDir: d });
    expect(a).toMatchObject({ registry: 'registry.example.com', auth: { username: 'ann', password: 's3cret:with:colons', serveraddress: 'registry.example.com' } });
    expect(a!.source).not.toContain('s3cret');
    const hub = await registryAuthFor('vllm/vllm-openai:v1', { dockerConfigDir: d });
    expect(hub?.auth).toMatchObject({ username: 'hubuser', serveraddress: 'https://index.docker.io/v1/' });
    expect(await registryAuthFor('other.io/x:1', { dockerConfigDir: d })).toBeNull();
    expect(await registryAuthFor('x.io/y:1', { dockerConfigDir: join(dir, 'missing') })).toBeNull();
  });

  it('asks credHelpers / credsStore through the docker-credential protocol (a real helper process)', async () => {
    const bin = join(dir, 'bin');
    (await import('node:fs')).mkdirSync(bin);
    const helper = join(bin, 'docker-credential-berthtest');
    // The helper answers per server URL read from stdin, as real helpers do.
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 2\nread server\ncase "$server" in\n  gpu.example.com) echo '{"ServerURL":"gpu.example.com","Username":"robot","Secret":"helper-pw"}';;\n  tok.example.com) echo '{"ServerURL":"tok.example.com","Username":"<token>","Secret":"id-token"}';;\n  *) echo "credentials not found in native keychain"; exit 1;;\nesac\n`,
    );
    chmodSync(helper, 0o755);
    const d = join(dir, 'helpers');
    (await import('node:fs')).mkdirSync(d);
    writeFileSync(join(d, 'config.json'), JSON.stringify({ credHelpers: { 'gpu.example.com': 'berthtest' }, credsStore: 'berthtest' }));
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    try {
      expect((await registryAuthFor('gpu.example.com/m:1', { dockerConfigDir: d }))?.auth).toMatchObject({ username: 'robot', password: 'helper-pw' });
      expect((await registryAuthFor('tok.example.com/m:1', { dockerConfigDir: d }))?.auth).toEqual({ identitytoken: 'id-token', serveraddress: 'tok.example.com' });
      expect(await registryAuthFor('none.example.com/m:1', { dockerConfigDir: d })).toBeNull();
      writeFileSync(join(d, 'config.json'), JSON.stringify({ credsStore: 'not-installed-helper' }));
      expect(await registryAuthFor('gpu.example.com/m:1', { dockerConfigDir: d })).toBeNull();
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it('prefers a Berth secret for the matching registry', async () => {
    const a = await registryAuthFor('nvcr.io/nvidia/x:1', { secretAuth: { secretName: 'ngc', value: '$oauthtoken:abc', registry: 'nvcr.io' } });
    expect(a).toMatchObject({ source: 'Berth secret "ngc"', secretName: 'ngc', auth: { username: '$oauthtoken', password: 'abc' } });
    // A secret for another registry does not apply.
    expect(await registryAuthFor('ghcr.io/x:1', { dockerConfigDir: join(dir, 'missing'), secretAuth: { secretName: 'ngc', value: 'u:p', registry: 'nvcr.io' } })).toBeNull();
  });

  it('parses secret formats and explains bad ones', () => {
    expect(parseSecretCredentials('{"username":"u","password":"p"}', 's')).toEqual({ username: 'u', password: 'p' });
    expect(parseSecretCredentials(JSON.stringify({ auth: b64('a:b') }), 's')).toEqual({ username: 'a', password: 'b' });
    const gcp = JSON.stringify({ type: 'service_account', private_key: 'k' });
    expect(parseSecretCredentials(gcp, 's')).toEqual({ username: '_json_key', password: gcp });
    expect(() => parseSecretCredentials('justatoken', 'reg')).toThrow(/"reg" is not in a registry credential format/);
    expect(() => parseSecretCredentials('{"x":1}', 'reg')).toThrow();
  });
});

describe('translatePullError', () => {
  const auth = { registry: 'r.io', source: 'Berth secret "k"', secretName: 'k', auth: { username: 'u', password: 'p', serveraddress: 'r.io' } };
  it('tells not found, auth and unreachable apart', () => {
    expect(translatePullError('manifest for r.io/a:1 not found: manifest unknown: manifest unknown', 'r.io/a:1', null)).toMatchObject({ code: 'IMAGE_NOT_FOUND', failure: 'not-found' });
    expect(translatePullError('Head "https://r.io/v2/a/manifests/1": unauthorized: authentication required', 'r.io/a:1', auth)).toMatchObject({
      code: 'REGISTRY_AUTH',
      message: 'Credentials for r.io were refused when pulling r.io/a:1 (from Berth secret "k").',
    });
    expect(translatePullError('Get "https://r.io/v2/": dial tcp: lookup r.io: no such host', 'r.io/a:1', null)).toMatchObject({ code: 'REGISTRY_UNREACHABLE', failure: 'unreachable' });
    const other = translatePullError('something odd\nsecond line', 'r.io/a:1', null);
    expect(other.message).toBe('Pulling r.io/a:1 failed: something odd');
  });
});
