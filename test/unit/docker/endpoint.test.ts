import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveEndpoint, urlToOptions } from '../../../electron/engine/docker/endpoint.js';
import { classifyEngineError } from '../../../electron/engine/docker/engine-status.js';

const dirs: string[] = [];
function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'engine-docker-home-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function writeContext(h: string, name: string, host: string, tls = false): void {
  const id = createHash('sha256').update(name).digest('hex');
  mkdirSync(join(h, '.docker', 'contexts', 'meta', id), { recursive: true });
  writeFileSync(join(h, '.docker', 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  if (tls) {
    mkdirSync(join(h, '.docker', 'contexts', 'tls', id, 'docker'), { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(h, '.docker', 'contexts', 'tls', id, 'docker', f), `${f}-data`);
  }
}

describe('resolveEndpoint', () => {
  const none = () => false;

  it('settings override wins over DOCKER_HOST and context', () => {
    const h = home();
    writeContext(h, 'remote', 'tcp://10.0.0.9:2375');
    writeFileSync(join(h, '.docker', 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    const r = resolveEndpoint({ override: '/tmp/x.sock', env: { DOCKER_HOST: 'tcp://1.2.3.4:2375' }, homeDir: h, platform: 'linux', exists: none });
    expect(r).toMatchObject({ source: 'settings', url: 'unix:///tmp/x.sock', options: { socketPath: '/tmp/x.sock' } });
  });

  it('DOCKER_HOST unix and tcp, with TLS from DOCKER_CERT_PATH', () => {
    const h = home();
    expect(resolveEndpoint({ env: { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, homeDir: h, platform: 'linux', exists: none })).toMatchObject({
      source: 'DOCKER_HOST',
      options: { socketPath: '/run/user/1000/docker.sock' },
    });
    const plain = resolveEndpoint({ env: { DOCKER_HOST: 'tcp://build-box' }, homeDir: h, platform: 'linux', exists: none });
    expect(plain.options).toMatchObject({ host: 'build-box', port: 2375, protocol: 'http' });
    const certs = join(h, 'certs');
    mkdirSync(certs);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, f), `${f}!`);
    const tls = resolveEndpoint({ env: { DOCKER_HOST: 'tcp://gpu-box:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }, homeDir: h, platform: 'linux', exists: none });
    expect(tls.url).toBe('tcp://gpu-box:2376');
    expect(tls.options.protocol).toBe('https');
    expect(String(tls.options.ca)).toBe('ca.pem!');
    expect(String(tls.options.key)).toBe('key.pem!');
  });

  it('DOCKER_HOST ssh and npipe', () => {
    const h = home();
    const ssh = resolveEndpoint({ env: { DOCKER_HOST: 'ssh://ann@gpu-box:2222' }, homeDir: h, platform: 'linux', exists: none });
    expect(ssh.url).toBe('ssh://ann@gpu-box:2222');
    expect(ssh.options).toMatchObject({ protocol: 'ssh', host: 'gpu-box', port: 2222, username: 'ann' });
    const pipe = resolveEndpoint({ env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' }, homeDir: h, platform: 'win32', exists: none });
    expect(pipe.options.socketPath).toBe('//./pipe/docker_engine');
  });

  it('a malformed DOCKER_HOST is reported, not thrown', () => {
    const r = resolveEndpoint({ env: { DOCKER_HOST: 'ftp://x' }, homeDir: home(), platform: 'linux', exists: none });
    expect(r.source).toBe('DOCKER_HOST');
    expect(r.problem).toMatch(/ftp/);
  });

  it('active context from config.json currentContext, with its TLS dir; DOCKER_CONTEXT overrides', () => {
    const h = home();
    writeContext(h, 'gpu', 'tcp://gpu-box:2376', true);
    writeContext(h, 'other', 'unix:///other.sock');
    writeFileSync(join(h, '.docker', 'config.json'), JSON.stringify({ currentContext: 'gpu' }));
    const r = resolveEndpoint({ env: {}, homeDir: h, platform: 'linux' });
    expect(r).toMatchObject({ source: 'context', context: 'gpu', url: 'tcp://gpu-box:2376' });
    expect(r.options.protocol).toBe('https');
    expect(String(r.options.cert)).toBe('cert.pem-data');
    expect(resolveEndpoint({ env: { DOCKER_CONTEXT: 'other' }, homeDir: h, platform: 'linux' }).options.socketPath).toBe('/other.sock');
    // DOCKER_CONFIG moves the config dir
    expect(resolveEndpoint({ env: { DOCKER_CONFIG: join(h, 'nowhere') }, homeDir: h, platform: 'linux', exists: none }).source).toBe('default');
  });

  it('"default" context and missing context metadata fall back to the default socket', () => {
    const h = home();
    mkdirSync(join(h, '.docker'));
    writeFileSync(join(h, '.docker', 'config.json'), JSON.stringify({ currentContext: 'default' }));
    expect(resolveEndpoint({ env: {}, homeDir: h, platform: 'linux', exists: none }).url).toBe('unix:///var/run/docker.sock');
    writeFileSync(join(h, '.docker', 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    const r = resolveEndpoint({ env: {}, homeDir: h, platform: 'linux', exists: none });
    expect(r.problem).toMatch(/gone/);
  });

  it('default socket: first existing of system, Desktop and rootless; named pipe on Windows', () => {
    const h = home();
    const rootless = '/run/user/1000/docker.sock';
    expect(resolveEndpoint({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, homeDir: h, platform: 'linux', exists: (p) => p === rootless }).url).toBe(`unix://${rootless}`);
    const desktop = join(h, '.docker', 'run', 'docker.sock');
    expect(resolveEndpoint({ env: {}, homeDir: h, platform: 'darwin', exists: (p) => p === desktop }).options.socketPath).toBe(desktop);
    expect(resolveEndpoint({ env: {}, homeDir: h, platform: 'linux', exists: none }).options.socketPath).toBe('/var/run/docker.sock');
    expect(resolveEndpoint({ env: {}, homeDir: h, platform: 'win32', exists: none }).url).toBe('npipe:////./pipe/docker_engine');
  });

  it('urlToOptions accepts bare paths and rejects nonsense', () => {
    expect(urlToOptions('/var/run/docker.sock').options.socketPath).toBe('/var/run/docker.sock');
    expect(() => urlToOptions('not a url')).toThrow(/engine address/);
  });
});

describe('classifyEngineError', () => {
  it('explains each failure with a hint', () => {
    expect(classifyEngineError({ code: 'ENOENT' }, 'unix:///x', 'linux')).toMatchObject({ kind: 'absent', code: 'ENGINE_UNAVAILABLE' });
    expect(classifyEngineError({ code: 'ENOENT' }, 'unix:///x', 'linux').hint).toMatch(/systemctl start docker/);
    expect(classifyEngineError({ code: 'ECONNREFUSED' }, 'unix:///x', 'linux').kind).toBe('stopped');
    const perm = classifyEngineError({ code: 'EACCES' }, 'unix:///x', 'linux');
    expect(perm).toMatchObject({ kind: 'permission', code: 'ENGINE_PERMISSION' });
    expect(perm.hint).toMatch(/usermod -aG docker \$USER/);
    expect(classifyEngineError({ code: 'BERTH_PING_TIMEOUT', message: 'no answer' }, 'unix:///x').kind).toBe('timeout');
    expect(classifyEngineError({ code: 'ENOTFOUND' }, 'tcp://h:2375').kind).toBe('unreachable');
    expect(classifyEngineError(new Error('self signed certificate in chain'), 'tcp://h:2376').kind).toBe('tls');
  });
});
