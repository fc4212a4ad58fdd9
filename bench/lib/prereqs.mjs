// What a benchmark needs on PATH, checked up front with one line that says how to get it
// (as `npm test` does for its suites). `.ci/run` installs all of them.
import { execFileSync } from 'node:child_process';

const PACKAGES = { wrk: 'wrk', aria2c: 'aria2', curl: 'curl', nginx: 'nginx' };

export function missingTools(tools) {
  return tools.filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

export function requireTools(tools) {
  const missing = missingTools(tools);
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => PACKAGES[t] ?? t))];
    throw new Error(`needs ${missing.join(', ')} on PATH: install with \`apt-get install -y ${pkgs.join(' ')}\` (bash .ci/run installs every benchmark prerequisite)`);
  }
}
