// Maps config paths to source positions in the parsed YAML document so every finding can be
// printed as FILE:LINE:COL and underlined in the editor.
import { isMap, isSeq, isScalar, isPair, isNode, type Document, type LineCounter, type Node } from 'yaml';
import type { SourcePos } from './issues.js';

export type PathSeg = string | number;

export interface Locator {
  /** Position of the key (target 'key') or of the value (default) at path; falls back to the nearest existing ancestor. */
  at(path: readonly PathSeg[], target?: 'key' | 'value'): SourcePos & { found: boolean };
  pos(offset: number): SourcePos;
}

function keyText(k: unknown): string | undefined {
  if (isScalar(k)) return String(k.value);
  if (k === null || k === undefined) return undefined;
  return String(k);
}

export function makeLocator(doc: Document, lc: LineCounter): Locator {
  const pos = (offset: number): SourcePos => {
    const p = lc.linePos(Math.max(0, offset));
    return { line: Math.max(1, p.line), col: Math.max(1, p.col) };
  };
  const start = (n: unknown): number | undefined => (isNode(n) && n.range ? n.range[0] : undefined);
  return {
    pos,
    at(path, target = 'value') {
      let node: unknown = doc.contents;
      let best = start(node) ?? 0;
      for (let i = 0; i < path.length; i++) {
        const seg = path[i];
        const last = i === path.length - 1;
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
          if (!pair) return { ...pos(best), found: false };
          const ks = start(pair.key);
          if (ks !== undefined) best = ks;
          if (last && target === 'key') return { ...pos(best), found: true };
          node = pair.value;
          const vs = start(node);
          if (vs !== undefined && !(last && target === 'key')) best = vs;
        } else if (isSeq(node) && typeof seg === 'number') {
          const item = node.items[seg];
          if (item === undefined) return { ...pos(best), found: false };
          node = item;
          const s = start(node);
          if (s !== undefined) best = s;
        } else {
          return { ...pos(best), found: false };
        }
      }
      return { ...pos(best), found: true };
    },
  };
}

/** Deepest nesting of collections, found without recursion so a hostile document cannot overflow the stack. */
export function maxDepth(root: unknown, limit: number): { depth: number; node?: Node } {
  const stack: Array<[unknown, number]> = [[root, 1]];
  let deepest = 0;
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (!isMap(n) && !isSeq(n)) continue;
    if (d > deepest) deepest = d;
    if (d > limit) return { depth: d, node: n };
    for (const it of n.items as unknown[]) {
      if (isPair(it)) {
        stack.push([it.key, d + 1]);
        stack.push([it.value, d + 1]);
      } else stack.push([it, d + 1]);
    }
  }
  return { depth: deepest };
}
