// Every real Truss example config (read in place from ../shared; never copied) must parse
// with no errors, and warn only about fields that do not apply to a local run.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrussConfig } from '../../../shared/truss/parse.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = path.resolve(repo, '../shared/conformance/truss-examples');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')) : [];
const NOT_LOCAL = /not used locally|not fetched locally|out of scope locally|not used by custom servers/;

describe('conformance: truss-examples', () => {
  it('finds the examples', () => {
    // The examples live beside the checkout (../shared), as CI provides them.
    expect(files.length, `no truss examples in ${dir}: the reference folder ../shared must sit beside the checkout`).toBeGreaterThanOrEqual(10);
  });
  it.each(files)('%s parses cleanly', (f) => {
    const r = parseTrussConfig(readFileSync(path.join(dir, f), 'utf8'), f);
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    for (const w of r.issues) expect(w.message).toMatch(NOT_LOCAL);
    expect(r.config?.docker_server?.server_port).toBeGreaterThan(0);
    expect(r.config?.docker_server?.predict_endpoint).toMatch(/^\//);
  });
});
