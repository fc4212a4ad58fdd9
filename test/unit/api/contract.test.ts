import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  buildApiClient,
  COMMAND_NAMES,
  EVENT_CHANNELS,
  parseCommandInput,
  ApiError,
  type ApiClient,
  type ApiResponse,
  type CommandName,
} from '../../../shared/api/index.js';
import type { DeploymentSummary } from '../../../shared/deployment.js';

describe('api contract', () => {
  it('lists the commands the UI needs, all namespaced', () => {
    for (const n of ['engine.status', 'gpus.report', 'deployments.open', 'deployments.start', 'deployments.get', 'logs.tail', 'logs.since', 'secrets.set', 'settings.update', 'gateway.info', 'examples.list', 'recent.list']) {
      expect(COMMAND_NAMES).toContain(n);
    }
    for (const n of COMMAND_NAMES) expect(n).toMatch(/^[a-z]+\.[A-Za-z]+$/);
    expect(EVENT_CHANNELS).toEqual(expect.arrayContaining(['deployment.state', 'deployment.log', 'gpu.sample', 'deployments.changed']));
  });

  it('validates inputs with clear messages', () => {
    const bad = parseCommandInput('deployments.start', { id: '' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('BAD_REQUEST');
      expect(bad.error.message).toContain('id');
    }
    const extra = parseCommandInput('deployments.stop', { id: 'a', force: true });
    expect(extra.ok).toBe(false);
    const good = parseCommandInput('deployments.start', { id: 'x', cpuOnly: true });
    expect(good).toEqual({ ok: true, value: { id: 'x', cpuOnly: true } });
    expect(parseCommandInput('deployments.list', null).ok).toBe(true);
    expect(parseCommandInput('deployments.list', undefined).ok).toBe(true);
    const secret = parseCommandInput('secrets.set', { name: '../etc', value: 'v' });
    expect(secret.ok).toBe(false);
    expect(parseCommandInput('settings.update', { patch: { theme: 'neon' } }).ok).toBe(false);
    expect(parseCommandInput('settings.update', { patch: { shmSize: '16gb' } }).ok).toBe(true);
    expect(parseCommandInput('settings.update', { patch: { probePeriodMs: 5 } }).ok).toBe(false);
    expect(parseCommandInput('secrets.import', { source: 'text', text: 'A=1' }).ok).toBe(true);
  });

  it('builds a client with every command and routes replies and errors', async () => {
    const calls: Array<[string, unknown]> = [];
    const client = buildApiClient({
      async invoke(name, input): Promise<ApiResponse<unknown>> {
        calls.push([name, input]);
        if (name === 'deployments.stop') return { ok: false, error: { code: 'NOT_FOUND', message: 'no such deployment', hint: 'open it first' } };
        return { ok: true, result: name };
      },
      subscribe: () => () => {},
    });
    for (const name of COMMAND_NAMES) {
      const [ns, m] = name.split('.') as [string, string];
      expect(typeof (client as unknown as Record<string, Record<string, unknown>>)[ns][m]).toBe('function');
    }
    expect(await client.deployments.list()).toBe('deployments.list');
    await expect(client.deployments.stop({ id: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND', hint: 'open it first' });
    await expect(client.deployments.stop({ id: 'x' })).rejects.toBeInstanceOf(ApiError);
    expect(calls[0]).toEqual(['deployments.list', undefined]);
  });

  it('on/off manage subscriptions', () => {
    const active = new Set<unknown>();
    const client = buildApiClient({
      invoke: async () => ({ ok: true, result: null }),
      subscribe: (_c, h) => {
        active.add(h);
        return () => active.delete(h);
      },
    });
    const h = () => {};
    const unsub = client.on('gpu.sample', h);
    expect(active.size).toBe(1);
    unsub();
    expect(active.size).toBe(0);
    client.on('gpu.sample', h);
    client.off('gpu.sample', h);
    expect(active.size).toBe(0);
  });

  it('types: methods take the schema input and return the phantom output', () => {
    expectTypeOf<ApiClient['deployments']['start']>().parameter(0).toEqualTypeOf<{ id: string; cpuOnly?: boolean; repull?: boolean }>();
    expectTypeOf<ReturnType<ApiClient['deployments']['list']>>().toEqualTypeOf<Promise<DeploymentSummary[]>>();
    expectTypeOf<'deployments.get'>().toExtend<CommandName>();
  });
});
