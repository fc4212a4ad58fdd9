// The preload, run against a fake `electron` module (the Electron binary cannot run here).
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { COMMAND_NAMES, IPC_EVENT_CHANNEL } from '../../../shared/api/index.js';

const exposed: Array<[string, unknown]> = [];
const invoke = vi.fn(async (channel: string, input: unknown) => {
  if (channel === 'berth:deployments.stop') return { ok: false, error: { code: 'NOT_FOUND', message: 'gone', hint: 'open it' } };
  return { ok: true, result: { channel, input } };
});
let eventListener: ((e: unknown, msg: unknown) => void) | null = null;
const ipcRenderer = {
  invoke,
  on: vi.fn((channel: string, fn: (e: unknown, msg: unknown) => void) => {
    if (channel === IPC_EVENT_CHANNEL) eventListener = fn;
  }),
  send: vi.fn(),
};
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) },
  ipcRenderer,
  webUtils: { getPathForFile: (f: { path: string }) => f.path },
}));

type Api = Record<string, unknown> & { on: (c: string, h: (p: unknown) => void) => () => void };
let api: Api;

beforeAll(async () => {
  await import('../../../electron/app/preload.js');
  api = exposed[0][1] as Api;
});

describe('preload', () => {
  it('exposes exactly one global, window.berth', () => {
    expect(exposed.map(([k]) => k)).toEqual(['berth']);
  });

  it('exposes every command by namespace plus on/off/call and pathForFile, and nothing else', () => {
    const namespaces = [...new Set(COMMAND_NAMES.map((n) => n.split('.')[0]))];
    expect(Object.keys(api).sort()).toEqual([...namespaces, 'call', 'off', 'on', 'pathForFile'].sort());
    expect((api.pathForFile as (f: unknown) => string)({ path: '/tmp/config.yaml' })).toBe('/tmp/config.yaml');
    for (const n of COMMAND_NAMES) {
      const [ns, m] = n.split('.');
      expect(typeof (api[ns] as Record<string, unknown>)[m]).toBe('function');
    }
    const methods = namespaces.flatMap((ns) => Object.keys(api[ns] as object).map((m) => `${ns}.${m}`));
    expect(methods.sort()).toEqual([...COMMAND_NAMES].sort());
  });

  it('never leaks ipcRenderer or its functions', () => {
    const seen = new Set<unknown>();
    const walk = (v: unknown) => {
      if (!v || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) return;
      seen.add(v);
      expect(v).not.toBe(ipcRenderer);
      expect([ipcRenderer.invoke, ipcRenderer.on, ipcRenderer.send]).not.toContain(v);
      if (typeof v === 'object') for (const x of Object.values(v)) walk(x);
    };
    walk(api);
  });

  it('invokes berth:<command> and resolves with the result', async () => {
    const r = await (api.deployments as Record<string, (i: unknown) => Promise<unknown>>).start({ id: 'x' });
    expect(invoke).toHaveBeenCalledWith('berth:deployments.start', { id: 'x' });
    expect(r).toEqual({ channel: 'berth:deployments.start', input: { id: 'x' } });
  });

  it('rejects with the plain error shape (contextBridge drops Error fields)', async () => {
    const p = (api.deployments as Record<string, (i: unknown) => Promise<unknown>>).stop({ id: 'x' });
    await expect(p).rejects.toEqual({ code: 'NOT_FOUND', message: 'gone', hint: 'open it' });
  });

  it('delivers events to subscribers until they unsubscribe', () => {
    const got: unknown[] = [];
    const off = api.on('deployment.state', (p) => got.push(p));
    eventListener!({}, { type: 'event', channel: 'deployment.state', payload: { id: 'a' } });
    eventListener!({}, { type: 'event', channel: 'gpu.sample', payload: { time: 1 } });
    eventListener!({}, { type: 'event', channel: 'not-a-channel', payload: {} });
    off();
    eventListener!({}, { type: 'event', channel: 'deployment.state', payload: { id: 'b' } });
    expect(got).toEqual([{ id: 'a' }]);
  });
});
