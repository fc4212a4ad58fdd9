import { describe, expect, it } from 'vitest';
import { numericOwner, translateContainerError } from '../../../electron/engine/docker/container.js';

const ctx = { hostPort: 18000, image: 'img:1', name: 'berth-x' };
const err = (message: string) => ({ statusCode: 500, json: { message } });

describe('translateContainerError', () => {
  it('explains GPU failures with a toolkit fix and the CPU way out', () => {
    const e = translateContainerError(err('could not select device driver "" with capabilities: [[gpu]]'), ctx);
    expect(e.code).toBe('GPU_RUNTIME_MISSING');
    expect(e.hint).toContain('sudo nvidia-ctk runtime configure --runtime=docker');
    expect(e.hint).toMatch(/CPU run/);
    expect(translateContainerError(err('Unknown runtime specified nvidia'), ctx).code).toBe('GPU_RUNTIME_MISSING');
    const driver = translateContainerError(err('nvidia-container-cli: initialization error: nvml error: driver not loaded'), ctx);
    expect(driver.code).not.toBe('CONTAINER_FAILED');
  });

  it('explains ports, users, name clashes; unknown errors keep the first engine line only', () => {
    expect(translateContainerError(err('driver failed programming external connectivity: Bind for 127.0.0.1:18000 failed: port is already allocated'), ctx)).toMatchObject({ code: 'PORT_IN_USE', message: 'Port 18000 on 127.0.0.1 is already in use.' });
    expect(translateContainerError(err('unable to find user 4242: no matching entries in passwd file'), ctx).hint).toMatch(/run_as_user_id/);
    expect(translateContainerError(err('Conflict. The container name "/berth-x" is already in use by container "abc"'), ctx).hint).toContain('docker rm -f berth-x');
    const other = translateContainerError(new Error('(HTTP code 500) server error - weird thing\nat line 2'), ctx);
    expect(other).toMatchObject({ code: 'CONTAINER_FAILED', message: 'Docker could not run berth-x: weird thing' });
  });
});

describe('numericOwner', () => {
  it('reads uid[:gid]; names it cannot resolve give null', () => {
    expect(numericOwner(null)).toEqual({ uid: 0, gid: 0 });
    expect(numericOwner('1234')).toEqual({ uid: 1234, gid: 1234 });
    expect(numericOwner('1000:100')).toEqual({ uid: 1000, gid: 100 });
    expect(numericOwner('model')).toBeNull();
  });
});
