/** Appends to a bounded history, dropping the oldest entries. */
export function pushBounded<T>(list: readonly T[], items: readonly T[], max: number): T[] {
  const next = list.concat(items);
  return next.length > max ? next.slice(next.length - max) : next;
}
