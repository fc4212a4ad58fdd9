// Remembers the window's bounds and maximized flag in the data dir, and never restores a
// window onto a display that is gone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../engine/store/atomic.js';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const DEFAULT: WindowState = { width: 1280, height: 820, maximized: false };
const MIN = { width: 800, height: 560 };

export function windowStateFile(dataDir: string): string {
  return join(dataDir, 'window-state.json');
}

function visibleOn(s: WindowState, displays: Rect[]): boolean {
  if (s.x === undefined || s.y === undefined) return false;
  // At least a 100x50 corner of the title bar must be on some display.
  return displays.some((d) => s.x! + 100 > d.x && s.x! < d.x + d.width - 100 && s.y! >= d.y && s.y! < d.y + d.height - 50);
}

export function loadWindowState(dataDir: string, displays: Rect[]): WindowState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(windowStateFile(dataDir), 'utf8'));
  } catch {
    return { ...DEFAULT };
  }
  const r = raw as Partial<WindowState>;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (!num(r.width) || !num(r.height)) return { ...DEFAULT };
  const s: WindowState = {
    width: Math.max(MIN.width, Math.round(r.width!)),
    height: Math.max(MIN.height, Math.round(r.height!)),
    maximized: r.maximized === true,
    ...(num(r.x) && num(r.y) ? { x: Math.round(r.x!), y: Math.round(r.y!) } : {}),
  };
  if (!visibleOn(s, displays)) {
    delete s.x;
    delete s.y;
  }
  return s;
}

export async function saveWindowState(dataDir: string, s: WindowState): Promise<void> {
  await writeJsonAtomic(windowStateFile(dataDir), s, { mode: 0o600 });
}

/**
 * Calls `fn` once `ms` after the last call (a drag or resize emits many events), and
 * `flush()` runs a pending call at once (on close). On Linux, Electron emits only 'move' and
 * 'resize' ('moved' and 'resized' are macOS/Windows only), so the state is saved from those.
 */
export function debounce(fn: () => void, ms: number): { (): void; flush(): void; cancel(): void } {
  let timer: NodeJS.Timeout | null = null;
  const run = () => {
    timer = null;
    fn();
  };
  const d = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  d.flush = () => {
    if (timer) {
      clearTimeout(timer);
      run();
    }
  };
  d.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return d;
}
