// `berth validate` and `berth plan` run in-process (their run(argv) is the command); output captured.
import { afterEach, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run as validate } from '../../../electron/cli/commands/validate.js';
import { run as plan } from '../../../electron/cli/commands/plan.js';

// Settings are read from BERTH_HOME: keep the user's own out of the test.
process.env.BERTH_HOME = mkdtempSync(path.join(os.tmpdir(), 'berth-cli-test-'));

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (n: string) => path.resolve(here, '../../fixtures/trusses', n);

async function capture(fn: () => Promise<number>) {
  const out: string[] = [];
  const err: string[] = [];
  const l = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const e = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await fn();
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    l.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('berth validate', () => {
  it('summarises valid configs, exit 0', async () => {
    const r = await capture(() => validate([fx('minimal'), fx('with-build')]));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok .*minimal\/config.yaml: minimal image berth-fixture\/model-server:latest, port 8000, CPU, predict \/predict/);
    expect(r.out).toMatch(/with-build.*A10G/);
  });
  it('prints FILE:LINE:COL errors with hints, exit 1; usage errors exit 2', async () => {
    const r = await capture(() => validate([fx('broken-values'), fx('no-config')]));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${fx('broken-values')}/config.yaml:12:16: error: unknown accelerator type 'h100'`);
    expect(r.err).toContain('hint: did you mean H100?');
    expect(r.err).toMatch(/no-config: error: .*no config.yaml/);
    expect((await capture(() => validate([]))).code).toBe(2);
  });
  it('--json gives structured results', async () => {
    const r = await capture(() => validate(['--json', fx('broken-values')]));
    const j = JSON.parse(r.out);
    expect(j.valid).toBe(false);
    expect(j.results[0].issues).toHaveLength(4);
  });
});

describe('berth plan', () => {
  // No GPU on this machine: a CPU model plans; a GPU model needs --cpu (never silently CPU).
  it('prints the plan and a docker run line', async () => {
    const r = await capture(() => plan([fx('data-no-build')]));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/data no build/);
    expect(r.out).toMatch(/docker run --rm/);
    expect(r.out).toMatch(/-v .*data-no-build\/data:\/app\/data:ro/);
  });
  it('a GPU config without GPUs fails with a hint; --cpu plans it', async () => {
    const r = await capture(() => plan([fx('gpu-two')]));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/config asks for H100:2/);
    expect(r.err).toMatch(/CPU run/);
    const c = await capture(() => plan(['--cpu', '--json', fx('gpu-two')]));
    expect(c.code).toBe(0);
    const j = JSON.parse(c.out);
    expect(j.plan.gpu).toBeNull();
    expect(j.dockerRun).toMatch(/^docker run/);
  });
});
