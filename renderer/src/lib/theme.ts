// Theme is a per-window view preference, so it lives in localStorage, not in Berth settings.
export type Theme = 'system' | 'light' | 'dark';
const KEY = 'berth.theme';

export function storedTheme(): Theme {
  const t = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null;
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function applyTheme(t: Theme): void {
  try { localStorage.setItem(KEY, t); } catch { /* private mode */ }
  if (t === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
}

/** Whether the effective theme is dark (explicit choice, else the system's). */
export function isDark(): boolean {
  const t = document.documentElement.dataset.theme;
  if (t === 'dark') return true;
  if (t === 'light') return false;
  return matchMedia('(prefers-color-scheme: dark)').matches;
}
