// Why Electron may abort at launch on Linux, and what to do about it. Chromium's sandbox
// needs unprivileged user namespaces; Ubuntu 23.10+ (and 24.04) let AppArmor restrict them
// (kernel.apparmor_restrict_unprivileged_userns=1) to programs with a profile that allows
// `userns`, and some kernels turn them off (kernel.unprivileged_userns_clone=0). Then
// Chromium falls back to the setuid helper chrome-sandbox, which works only when owned by
// root with mode 4755; otherwise Electron dies with "The SUID sandbox helper binary was
// found, but is not configured correctly" (electron/electron#41066, #42510). Berth never
// turns the sandbox off: this names the problem and the fixes. The .deb is unaffected (its
// post-install script installs an AppArmor profile for the installed binary).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface SandboxFacts {
  platform: NodeJS.Platform;
  /** Contents of /proc/sys/kernel/apparmor_restrict_unprivileged_userns, or null when absent. */
  apparmorRestrictUserns: string | null;
  /** Contents of /proc/sys/kernel/unprivileged_userns_clone, or null when absent. */
  unprivilegedUsernsClone: string | null;
  /** chrome-sandbox beside the Electron binary; null when it is not there. */
  chromeSandbox: { path: string; uid: number; mode: number } | null;
  /** An AppArmor profile in /etc/apparmor.d names this Electron binary. */
  apparmorProfileFor: string | null;
  /** The Electron binary that would be launched. */
  electronBinary: string;
}

export interface SandboxProblem {
  reason: string;
  fixes: string[];
}

const SETUID = 0o4000;

/** Whether a launch of `facts.electronBinary` would hit the sandbox abort; null when it would not. */
export function sandboxProblem(f: SandboxFacts): SandboxProblem | null {
  if (f.platform !== 'linux') return null;
  const restricted = f.apparmorRestrictUserns?.trim() === '1';
  const noUserns = f.unprivilegedUsernsClone?.trim() === '0';
  if (!restricted && !noUserns) return null;
  // With a profile that allows userns (what the .deb installs), namespaces work again.
  if (restricted && !noUserns && f.apparmorProfileFor) return null;
  const sandbox = f.chromeSandbox;
  if (sandbox && sandbox.uid === 0 && (sandbox.mode & SETUID) !== 0 && (sandbox.mode & 0o111) !== 0) return null;
  const why = restricted
    ? 'AppArmor restricts unprivileged user namespaces on this system (kernel.apparmor_restrict_unprivileged_userns=1, the Ubuntu 23.10+ default)'
    : 'unprivileged user namespaces are turned off on this system (kernel.unprivileged_userns_clone=0)';
  const helper = sandbox
    ? `${sandbox.path} is ${sandbox.uid === 0 ? 'owned by root' : `owned by uid ${sandbox.uid}, not root`} with mode ${(sandbox.mode & 0o7777).toString(8)} (needs root and 4755)`
    : `there is no chrome-sandbox helper beside ${f.electronBinary}`;
  const sandboxPath = sandbox?.path ?? join(f.electronBinary, '..', 'chrome-sandbox');
  const fixes = [
    `Installed app: on Ubuntu use the .deb package (it installs an AppArmor profile); the AppImage cannot run its sandbox here.`,
    `Development checkout, one of:\n` +
      `    sudo chown root:root ${sandboxPath} && sudo chmod 4755 ${sandboxPath}\n` +
      `  or an AppArmor profile for this binary (see README, "Ubuntu 23.10+ and the sandbox"):\n` +
      `    printf 'abi <abi/4.0>,\\ninclude <tunables/global>\\nprofile berth-electron-dev ${f.electronBinary} flags=(unconfined) {\\n  userns,\\n}\\n' | sudo tee /etc/apparmor.d/berth-electron-dev && sudo apparmor_parser -r /etc/apparmor.d/berth-electron-dev`,
  ];
  if (noUserns) fixes.push('Or allow unprivileged user namespaces: sudo sysctl kernel.unprivileged_userns_clone=1');
  return { reason: `Electron's sandbox cannot start: ${why}, and ${helper}.`, fixes };
}

/** One message for the terminal. */
export function formatSandboxProblem(p: SandboxProblem): string {
  return `${p.reason}\nBerth keeps the sandbox on; to launch it:\n${p.fixes.map((x) => `  - ${x}`).join('\n')}`;
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The first profile under `dir` that names `binary` (best effort: unreadable files are skipped). */
export function findApparmorProfile(binary: string, dir = '/etc/apparmor.d'): string | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  for (const n of names) {
    const file = join(dir, n);
    const text = readOrNull(file);
    if (text && text.includes(binary) && /\buserns\b/.test(text)) return file;
  }
  return null;
}

/** Reads the facts for `electronBinary` from this machine. */
export function readSandboxFacts(electronBinary: string, root = '/'): SandboxFacts {
  const sandboxPath = join(electronBinary, '..', 'chrome-sandbox');
  let chromeSandbox: SandboxFacts['chromeSandbox'] = null;
  if (existsSync(sandboxPath)) {
    const st = statSync(sandboxPath);
    chromeSandbox = { path: sandboxPath, uid: st.uid, mode: st.mode };
  }
  return {
    platform: process.platform,
    apparmorRestrictUserns: readOrNull(join(root, 'proc/sys/kernel/apparmor_restrict_unprivileged_userns')),
    unprivilegedUsernsClone: readOrNull(join(root, 'proc/sys/kernel/unprivileged_userns_clone')),
    chromeSandbox,
    apparmorProfileFor: findApparmorProfile(electronBinary, join(root, 'etc/apparmor.d')),
    electronBinary,
  };
}
