// loadTruss against real files on disk (temp dirs and the fixture trusses).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTruss } from '../../../electron/engine/config/load.js';
import { BerthError } from '../../../shared/errors.js';
import { buildRunPlan } from '../../../shared/truss/plan.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../fixtures/trusses');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'berth-config-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('loadTruss', () => {
  it('accepts a directory or the file, and hashes build inputs', async () => {
    const byDir = await loadTruss(path.join(fixtures, 'with-build'));
    const byFile = await loadTruss(path.join(fixtures, 'with-build', 'config.yaml'));
    expect(byDir.configPath).toBe(byFile.configPath);
    expect(byDir.trussDir).toBe(path.join(fixtures, 'with-build'));
    expect(byDir.issues).toEqual([]);
    expect(byDir.trussFacts.hasDataDir).toBe(true);
    expect(byDir.trussFacts.fileHashes).toEqual({
      'requirements.txt': sha('requests==2.32.3\n'),
      'data/greeting.txt': sha('hello from data\n'),
      'data/sub/n.txt': sha('nested\n'),
    });
    const { plan } = buildRunPlan({
      config: byDir.config!, configPath: byDir.configPath, trussDir: byDir.trussDir, trussFacts: byDir.trussFacts, positions: byDir.positions,
      machine: { gpus: [], gpuCapabilities: { usable: false, via: 'none' }, heldDeviceIds: [] }, settings: { cpuOnly: true },
    });
    expect(plan!.build!.inputs).toEqual(['requirements.txt', 'data/greeting.txt', 'data/sub/n.txt']);
    expect(plan!.build!.secrets).toEqual(['build_token']);
    expect(plan!.movingTag).toBe(false);
  });

  it('does not hash data/ when nothing is built (data is mounted instead)', async () => {
    const t = await loadTruss(path.join(fixtures, 'data-no-build'));
    expect(t.trussFacts).toEqual({ hasDataDir: true, fileHashes: {} });
    expect(t.config?.model_name).toBe('data no build');
  });

  it('returns positioned issues for broken configs', async () => {
    const t = await loadTruss(path.join(fixtures, 'broken-values'));
    expect(t.config).toBeNull();
    expect(t.issues.map((i) => `${i.line}:${i.col}`)).toEqual(['10:19', '12:16', '13:11', '16:32']);
    const s = await loadTruss(path.join(fixtures, 'broken-syntax'));
    expect(s.issues[0].message).toMatch(/YAML syntax/);
  });

  it('missing path, dir without config.yaml, unreadable file: BerthErrors naming the file with a hint', async () => {
    await expect(loadTruss(path.join(tmp, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(path.join(tmp, 'nope')) });
    const err = await loadTruss(path.join(fixtures, 'no-config')).catch((e) => e);
    expect(err).toBeInstanceOf(BerthError);
    expect(err.message).toMatch(/no config.yaml in this directory/);
    expect(err.hint).toBeTruthy();
    const locked = path.join(tmp, 'locked.yaml');
    writeFileSync(locked, 'a: 1\n');
    chmodSync(locked, 0o000);
    // root reads anything; only assert the permission path when it can happen.
    if (process.getuid?.() !== 0) await expect(loadTruss(locked)).rejects.toMatchObject({ message: expect.stringMatching(/permission denied/) });
  });

  it('refuses an oversized file without reading it all', async () => {
    const big = path.join(tmp, 'big');
    mkdirSync(big);
    writeFileSync(path.join(big, 'config.yaml'), `a: ${'x'.repeat(3 * 1024 * 1024)}\n`);
    const t = await loadTruss(big);
    expect(t.config).toBeNull();
    expect(t.issues[0]).toMatchObject({ line: 1, col: 1, severity: 'error' });
    expect(t.issues[0].message).toMatch(/3\.0 MiB; Berth reads configs up to 1 MiB/);
  });

  it('loads the bundled examples cleanly', async () => {
    for (const ex of ['chat-vllm-standin', 'embeddings-infinity-standin', 'rerank-tei-standin']) {
      const t = await loadTruss(path.resolve(here, '../../../resources/examples', ex));
      expect(t.issues).toEqual([]);
      expect(t.config?.base_image?.image).toBe('berth-fixture/model-server:latest');
    }
  });
});
