// "Did you mean ...?" for misspelled keys and values. Small inputs only (key names, enum
// values), so a plain O(n*m) edit distance is fine.

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

const norm = (s: string) => s.toLowerCase().replace(/[-\s]/g, '_');

/** The closest candidate, if it is close enough to be a plausible typo. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  if (input.length > 200) return undefined;
  const n = norm(input);
  const exactish = candidates.find((c) => norm(c) === n);
  if (exactish) return exactish;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(n, norm(c));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(n.length / 3)));
  return bestD <= limit ? best : undefined;
}
