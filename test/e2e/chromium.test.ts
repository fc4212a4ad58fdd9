// The e2e suites find Chromium as `npm test` does (chromium.mjs) and fail, never skip, when
// there is none.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium, requireChromium } from './chromium.mjs';

describe('Chromium for e2e', () => {
  it('takes CHROMIUM_PATH first, and a wrong one is an error, not a fallback', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-e2e-chromium-'));
    const bin = join(dir, 'my-chrome');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    expect(findChromium({ CHROMIUM_PATH: bin, PATH: '' })).toEqual({ path: bin });
    expect(() => requireChromium({ CHROMIUM_PATH: join(dir, 'nope'), PATH: '' })).toThrow(/CHROMIUM_PATH is set to .*nope.*apt-get install -y chromium/);
  });

  it('finds the Chromium that `npm test` checks for', () => {
    expect(requireChromium()).toBeTruthy();
    const runner = readFileSync(join(import.meta.dirname, '../../scripts/test.mjs'), 'utf8');
    expect(runner).toContain("import('../test/e2e/chromium.mjs')");
  });

  it('no e2e suite skips itself or hard-codes a Chromium path', () => {
    for (const f of readdirSync(import.meta.dirname).filter((n) => n.endsWith('.ts') && n !== 'chromium.test.ts')) {
      const src = readFileSync(join(import.meta.dirname, f), 'utf8');
      expect(src, f).not.toMatch(/\.skip(If)?\(|\bit\.skip\b|describe\.skip/);
      expect(src, f).not.toContain('/usr/bin/chromium');
    }
  });
});
