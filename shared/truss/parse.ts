// parseTrussConfig: YAML text -> typed config + positioned issues. Never throws: every
// failure, including hostile input (alias bombs, huge or deeply nested files, binary),
// becomes an issue at FILE:LINE:COL with a hint.
import { LineCounter, parseDocument, isAlias, isMap, isSeq, isPair, visit, type Document } from 'yaml';
import { trussConfigSchema, type TrussConfig } from './schema.js';
import { lintConfig } from './lint.js';
import { makeLocator, maxDepth, type Locator, type PathSeg } from './positions.js';
import { formatPath, type ConfigIssue, type SourcePos } from './issues.js';
import { KNOWN_KEYS, type KeyTree } from './known-keys.js';
import { closest } from './suggest.js';
import { formatBytes } from './units.js';

export const PARSE_LIMITS = {
  /** Real configs are a few KiB; 1 MiB leaves room for big example inputs. */
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  /** yaml's own guard against "billion laughs" expansion. */
  maxAliasCount: 1000,
};

export interface ParseResult {
  config: TrussConfig | null;
  issues: ConfigIssue[];
  /** Source positions of keys by dotted path, for plan-time issues. */
  positions: Record<string, SourcePos>;
}

export function parseTrussConfig(text: string, file: string): ParseResult {
  try {
    return parseUnsafe(text, file);
  } catch (err) {
    const tooDeep = err instanceof RangeError;
    return {
      config: null,
      positions: {},
      issues: [
        issue(file, { line: 1, col: 1 }, 'error', tooDeep ? 'the YAML is nested too deeply to read' : `could not read this YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, tooDeep ? `a Truss config nests a few levels; Berth reads up to ${PARSE_LIMITS.maxDepth}` : 'check the file is a Truss config.yaml; run `berth validate` for details', ''),
      ],
    };
  }
}

function issue(file: string, p: SourcePos, severity: 'error' | 'warning', message: string, hint: string | undefined, path: string): ConfigIssue {
  return { file, line: Math.max(1, p.line || 1), col: Math.max(1, p.col || 1), severity, message, ...(hint ? { hint } : {}), path };
}

function parseUnsafe(text: string, file: string): ParseResult {
  const fail = (p: SourcePos, message: string, hint?: string, path = ''): ParseResult => ({ config: null, positions: {}, issues: [issue(file, p, 'error', message, hint, path)] });
  if (typeof text !== 'string') return fail({ line: 1, col: 1 }, 'config is not text', 'pass the contents of config.yaml');
  const bytes = utf8Length(text);
  if (bytes > PARSE_LIMITS.maxBytes) {
    return fail({ line: 1, col: 1 }, `config is ${formatBytes(bytes)}; Berth reads configs up to ${formatBytes(PARSE_LIMITS.maxBytes)}`, 'a Truss config.yaml is a few KiB: keep data in data/ or the image, not in the config');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const bin = firstBinary(text);
  if (bin >= 0) {
    const before = text.slice(0, bin);
    const p = { line: before.split('\n').length, col: bin - before.lastIndexOf('\n') };
    return fail({ line: p.line, col: p.col }, 'this is not a text YAML file (binary content)', 'point Berth at the truss config.yaml, a UTF-8 text file');
  }
  if (!text.trim() || stripComments(text) === '') {
    return fail({ line: 1, col: 1 }, 'config is empty', 'a custom-server config needs at least base_image.image and docker_server; start from a bundled example (resources/examples)');
  }

  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true, stringKeys: false });
  const loc = makeLocator(doc, lc);
  const issues: ConfigIssue[] = [];
  const seenAt = new Set<number>();
  for (const e of doc.errors) {
    // yaml often reports one mistake twice at the same offset; the first message is the clearer.
    if (seenAt.has(e.pos[0])) continue;
    seenAt.add(e.pos[0]);
    issues.push(issue(file, loc.pos(e.pos[0]), 'error', yamlMessage(e.code, e.message), yamlHint(e.code), ''));
  }
  if (issues.length) return { config: null, issues: sortIssues(dedupe(issues)), positions: {} };
  for (const w of doc.warnings) issues.push(issue(file, loc.pos(w.pos[0]), 'warning', yamlMessage(w.code, w.message), undefined, ''));

  const deep = maxDepth(doc.contents, PARSE_LIMITS.maxDepth);
  if (deep.node) {
    return fail(loc.pos(deep.node.range?.[0] ?? 0), `the YAML is nested more than ${PARSE_LIMITS.maxDepth} levels deep`, 'a Truss config nests a few levels; check for runaway brackets or indentation');
  }
  const aliasIssue = checkAliases(doc, loc, file);
  if (aliasIssue) return { config: null, issues: [aliasIssue], positions: {} };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: PARSE_LIMITS.maxAliasCount });
  } catch (e) {
    return fail(loc.pos(firstAliasOffset(doc)), 'YAML aliases expand too much (possible alias bomb)', `Berth expands at most ${PARSE_LIMITS.maxAliasCount} aliases; write the values out instead of nesting anchors`);
  }
  if (data === null || data === undefined) {
    return fail({ line: 1, col: 1 }, 'config is empty', 'a custom-server config needs at least base_image.image and docker_server; start from a bundled example (resources/examples)');
  }

  const positions = collectPositions(doc, loc);
  const parsed = trussConfigSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    for (const zi of parsed.error.issues) issues.push(fromZodIssue(zi, data, loc, file));
  }
  issues.push(...lintConfig(data, file, loc));
  const sorted = sortIssues(dedupe(issues));
  const ok = parsed.success && !sorted.some((i) => i.severity === 'error');
  return { config: ok ? (parsed.data as TrussConfig) : null, issues: sorted, positions };
}

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  params?: { hint?: string; keep?: boolean };
  input?: unknown;
  expected?: string;
}

function fromZodIssue(zi: ZodIssueLike, data: unknown, loc: Locator, file: string): ConfigIssue {
  const path = zi.path.filter((s): s is string | number => typeof s === 'string' || typeof s === 'number');
  const dotted = formatPath(path);
  const present = hasPath(data, path);
  let message = zi.message;
  let hint = zi.params?.hint;
  if (!present && path.length > 0) {
    if (!zi.params?.keep) message = `${dotted} is required`;
    const parentPath = path.slice(0, -1);
    const parent = getPath(data, parentPath);
    const key = String(path[path.length - 1]);
    const siblings = parent && typeof parent === 'object' && !Array.isArray(parent) ? Object.keys(parent) : [];
    const known = knownAt(parentPath);
    const typo = siblings.filter((s) => !known.includes(s)).find((s) => closest(s, [key]) === key);
    if (typo) hint = `found '${typo}': did you mean ${key}?`;
    else if (zi.params?.keep) hint = zi.params.hint;
    else if (zi.params?.hint) hint = zi.params.hint.replace(/^write e\.g\. /, `add ${key}: `);
    const p = loc.at(parentPath.length ? parentPath : [], 'key');
    return issue(file, parentPath.length ? p : { line: 1, col: 1 }, 'error', message, hint, dotted);
  }
  if (zi.code === 'invalid_type' && !message.includes(' must ')) message = `${dotted || 'config'} has the wrong type: ${message}`;
  const p = present ? loc.at(path, 'value') : loc.at(path.slice(0, -1), 'key');
  return issue(file, path.length > 1 || present ? p : { line: 1, col: 1 }, 'error', message, hint, dotted);
}

function knownAt(path: PathSeg[]): string[] {
  let t: unknown = KNOWN_KEYS;
  for (const seg of path) {
    if (!t || typeof t !== 'object') return [];
    if (typeof seg === 'number') {
      t = (t as { list?: KeyTree }).list;
      continue;
    }
    t = (t as KeyTree)[seg];
    if (t && typeof t === 'object' && 'list' in t) t = t;
  }
  return t && typeof t === 'object' ? Object.keys(t) : [];
}

function getPath(data: unknown, path: readonly PathSeg[]): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function hasPath(data: unknown, path: readonly PathSeg[]): boolean {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg)) return false;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return true;
}

function collectPositions(doc: Document, loc: Locator): Record<string, SourcePos> {
  const out: Record<string, SourcePos> = {};
  const walk = (node: unknown, path: PathSeg[], depth: number) => {
    if (depth > 8) return;
    if (isMap(node)) {
      for (const it of node.items) {
        if (!isPair(it)) continue;
        const k = (it.key as { value?: unknown } | null)?.value;
        if (typeof k !== 'string' && typeof k !== 'number') continue;
        const p = [...path, String(k)];
        const at = loc.at(p, 'key');
        out[formatPath(p)] = { line: at.line, col: at.col };
        walk(it.value, p, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((it, i) => walk(it, [...path, i], depth + 1));
    }
  };
  walk(doc.contents, [], 0);
  return out;
}

function checkAliases(doc: Document, loc: Locator, file: string): ConfigIssue | null {
  let count = 0;
  let first = -1;
  visit(doc, {
    Alias(_, node) {
      count++;
      if (first < 0) first = node.range?.[0] ?? 0;
    },
  });
  if (count > PARSE_LIMITS.maxAliasCount) {
    return issue(file, loc.pos(first), 'error', `the YAML uses ${count} aliases; Berth allows ${PARSE_LIMITS.maxAliasCount}`, 'write the values out instead of repeating anchors', '');
  }
  return null;
}

function firstAliasOffset(doc: Document): number {
  let off = 0;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node)) off = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return off;
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return 'duplicate key: this key appears more than once in the same mapping';
  return `YAML syntax: ${first}`;
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'keep one of the duplicate keys; YAML would silently use only one of them';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check indentation (spaces, not tabs) and that every [ or { is closed';
    case 'TAB_AS_INDENT':
      return 'indent with spaces; YAML does not allow tabs for indentation';
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'a key must fit on one line and be followed by ": "; check indentation of the lines above';
    case 'UNEXPECTED_TOKEN':
      return 'quote values that contain ":" or "#", and check indentation';
    case 'BAD_ALIAS':
    case 'IMPOSSIBLE':
      return 'check anchors (&name) and aliases (*name): an alias must refer to an anchor defined above it';
    default:
      return 'check indentation and quoting near this position';
  }
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.line}:${i.col}:${i.severity}:${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n;
}

/** Offset of the first character that cannot appear in a text config, or -1. */
function firstBinary(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffd || c === 0x7f) return i;
  }
  return -1;
}

function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*(#.*)?$/.test(l) && !/^\s*---\s*$/.test(l))
    .join('\n');
}
