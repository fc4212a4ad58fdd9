// Temp dirs for tests. `makeBerthHome()` gives a fresh BERTH_HOME (Berth's data dir) so
// tests never touch ~/.config/berth; call `cleanup()` in afterAll/afterEach.
//
//   const home = makeBerthHome();            // { dir, env, cleanup }
//   spawn('node', ['bin/berth.js', ...], { env: { ...process.env, ...home.env } });
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TempDir {
  dir: string;
  cleanup(): void;
}

export function tmpDir(prefix = 'berth-test-'): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface BerthHome extends TempDir {
  /** `{ BERTH_HOME: dir }` to merge into a child process env. */
  env: { BERTH_HOME: string };
}

export function makeBerthHome(prefix = 'berth-home-'): BerthHome {
  const t = tmpDir(prefix);
  return { ...t, env: { BERTH_HOME: t.dir } };
}

/** Writes files (relative path -> content) under dir, creating folders; returns dir. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return dir;
}

/** A temp truss dir holding `config.yaml` (and any extra files), e.g. for loadTruss tests. */
export function makeTrussDir(configYaml: string, extra: Record<string, string> = {}): TempDir {
  const t = tmpDir('berth-truss-');
  writeTree(t.dir, { 'config.yaml': configYaml, ...extra });
  return t;
}
