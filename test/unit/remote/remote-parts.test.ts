// The small pure parts of remote machines: ssh:// URLs with ~/.ssh/config, the machines
// store, reconnect back-off, the Node version gate, --on parsing and the remote-engine guard.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { takeOn } from '../../../electron/cli/remote-on.js';
import { refuseLocalFilesOnRemoteEngine, remoteEngineHost } from '../../../electron/engine/remote/docker-host.js';
import { nodeTooOld } from '../../../electron/engine/remote/ensure-serve.js';
import { reconnectDelay } from '../../../electron/engine/remote/machine.js';
import { MachinesStore } from '../../../electron/engine/remote/machines-store.js';
import { parseSshUrl, resolveTarget } from '../../../electron/engine/remote/ssh-target.js';
import { listFiles } from '../../../electron/engine/service/file-listing.js';
import { tmpDir } from '../../helpers/tmp.js';

const tmp = tmpDir('berth-remote-unit-');
afterAll(() => tmp.cleanup());

describe('ssh targets', () => {
  it('parses ssh:// URLs and refuses other forms with the expected one', () => {
    expect(parseSshUrl('ssh://me@gpu.lab:2222')).toEqual({ user: 'me', host: 'gpu.lab', port: 2222 });
    expect(parseSshUrl('ssh://gpu')).toEqual({ user: null, host: 'gpu', port: null });
    expect(() => parseSshUrl('me@gpu')).toThrow(/is not an ssh:\/\/ URL/);
    expect(() => parseSshUrl('ssh://me:pw@gpu')).toThrow(/Passwords/);
    expect(() => parseSshUrl('ssh://gpu/path')).toThrow(/path/);
  });

  it('applies ~/.ssh/config (HostName, User, Port, IdentityFile, UserKnownHostsFile); the URL wins', () => {
    const home = join(tmp.dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), 'Host gpu\n  HostName 10.0.0.7\n  User alice\n  Port 2200\n  IdentityFile ~/.ssh/lab_key\n  UserKnownHostsFile ~/.ssh/lab_hosts\n');
    const t = resolveTarget('ssh://gpu', { home, env: { SSH_AUTH_SOCK: '/tmp/agent.sock' } });
    expect(t).toMatchObject({ alias: 'gpu', host: '10.0.0.7', user: 'alice', port: 2200, identityFiles: [join(home, '.ssh/lab_key')], agent: '/tmp/agent.sock' });
    expect(t.knownHostsFiles[0]).toBe(join(home, '.ssh/lab_hosts'));
    expect(resolveTarget('ssh://bob@gpu:22', { home, env: {} })).toMatchObject({ user: 'bob', port: 22, agent: null });
  });
});

describe('machines store', () => {
  it('adds, lists and removes; refuses bad names, duplicates and non-ssh URLs', async () => {
    const s = new MachinesStore(join(tmp.dir, 'bh'));
    expect(await s.list()).toEqual([]);
    await s.add({ name: 'gpu1', url: 'ssh://me@gpu', command: 'node /opt/berth/bin/berth.js' });
    await expect(s.add({ name: 'gpu1', url: 'ssh://x' })).rejects.toThrow(/exists already/);
    await expect(s.add({ name: 'local', url: 'ssh://x' })).rejects.toThrow(/cannot name/);
    await expect(s.add({ name: 'b', url: 'http://x' })).rejects.toThrow(/not an ssh/);
    expect((await s.get('gpu1')).command).toBe('node /opt/berth/bin/berth.js');
    await s.remove('gpu1');
    await expect(s.get('gpu1')).rejects.toThrow(/No machine named 'gpu1'/);
  });

  it('keeps folders to allow there (the form and --allow), absolute paths only', async () => {
    const s = new MachinesStore(join(tmp.dir, 'bh-allow'));
    await expect(s.add({ name: 'g', url: 'ssh://me@gpu', allow: ['models'] })).rejects.toThrow(/'models' is not an absolute path on machine 'g'/);
    await s.add({ name: 'g', url: 'ssh://me@gpu', allow: ['/srv/models', '/home/me/truss'] });
    expect((await s.get('g')).allow).toEqual(['/srv/models', '/home/me/truss']);
  });
});

describe('small rules', () => {
  it('backs off from 1 s to 30 s', () => {
    expect(reconnectDelay(0, () => 0.5)).toBe(1000);
    expect(reconnectDelay(3, () => 0.5)).toBe(8000);
    expect(reconnectDelay(20, () => 0.5)).toBe(30000);
  });
  it('gates Node at 20.19', () => {
    expect(nodeTooOld('v20.18.1')).toBe(true);
    expect(nodeTooOld('v18.20.0')).toBe(true);
    expect(nodeTooOld('v20.19.0')).toBe(false);
    expect(nodeTooOld('v22.1.0')).toBe(false);
  });
  it('takes --on NAME and --on=NAME out of argv', () => {
    expect(takeOn(['--on', 'gpu1', 'p', '--cpu'])).toEqual({ on: 'gpu1', rest: ['p', '--cpu'] });
    expect(takeOn(['--on=gpu2', '--json'])).toEqual({ on: 'gpu2', rest: ['--json'] });
  });
  it('refuses local files on an ssh:// engine and says to use a remote machine; a local socket passes', () => {
    const ssh = new Docker({ protocol: 'ssh', host: 'gpu.lab', username: 'me' } as never);
    expect(remoteEngineHost(ssh)).toBe('gpu.lab');
    expect(() => refuseLocalFilesOnRemoteEngine(ssh, ['data/'])).toThrow(/Docker engine runs on gpu\.lab/);
    expect(() => refuseLocalFilesOnRemoteEngine(ssh, [])).not.toThrow();
    expect(remoteEngineHost(new Docker({ socketPath: '/var/run/docker.sock' }))).toBeNull();
  });
});

describe('files.list', () => {
  it('lists folders and configs under the allowed roots only', async () => {
    const root = join(tmp.dir, 'roots');
    mkdirSync(join(root, 'llama', 'data'), { recursive: true });
    writeFileSync(join(root, 'llama', 'config.yaml'), 'model_name: x\n');
    writeFileSync(join(root, 'llama', 'notes.txt'), '');
    mkdirSync(join(root, '.hidden'));
    const top = await listFiles([root]);
    expect(top.entries).toEqual([{ name: 'llama', kind: 'dir' }]);
    expect(top.parent).toBeNull();
    const inner = await listFiles([root], join(root, 'llama'));
    expect(inner.entries).toEqual([{ name: 'config.yaml', kind: 'config' }, { name: 'data', kind: 'dir' }]);
    expect(inner.parent).toBe(top.dir);
    await expect(listFiles([root], tmp.dir)).rejects.toThrow(/outside the folders/);
  });
});
