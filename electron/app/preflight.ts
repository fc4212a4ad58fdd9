// `npm start` runs this (as dist/app/preflight.mjs) before `electron .`: a launch that would
// die in Chromium's startup with an unexplained FATAL line is stopped here with what to do.
// Checks: the Electron binary is installed, and on Linux that its sandbox can start.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { locateElectron, missingElectronMessage } from './electron-binary.js';
import { formatSandboxProblem, readSandboxFacts, sandboxProblem } from './linux-sandbox.js';

/** Problems that would stop `electron .` from this checkout; empty when it can launch. */
export function preflightProblems(repoRoot: string): string[] {
  const bin = locateElectron(join(repoRoot, 'node_modules', 'electron'));
  if (!bin.exists) return [missingElectronMessage(bin, process.version)];
  const p = sandboxProblem(readSandboxFacts(bin.path));
  return p ? [formatSandboxProblem(p)] : [];
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === pathToFileURL(self).href) {
  const problems = preflightProblems(resolve(dirname(self), '..', '..'));
  for (const p of problems) console.error(`berth: ${p}`);
  process.exit(problems.length ? 1 : 0);
}

// The smoke test (test/app/smoke.mjs) finds the binary the same way.
export { locateElectron, missingElectronMessage } from './electron-binary.js';
