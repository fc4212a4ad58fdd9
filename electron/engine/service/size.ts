// "8g", "512m", "16GiB" -> bytes (the settings' shmSize format); null when unreadable.
export function parseSize(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(b?)$/i.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  // Docker reads "8g" as GiB; so do we.
  return Math.round(n * 1024 ** pow);
}
