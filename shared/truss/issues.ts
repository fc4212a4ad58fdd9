// A positioned finding about a config: what the CLI prints as FILE:LINE:COL and the UI
// underlines in the editor. Plan-time findings reuse the shape so both lists merge.
import type { BerthErrorCode } from '../errors.js';

export interface ConfigIssue {
  file: string;
  /** 1-based; 1 when the finding has no better place (e.g. a missing top-level key). */
  line: number;
  col: number;
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
  /** Dotted config path, e.g. "resources.accelerator" or "model_cache[0].repo_id"; "" for the whole file. */
  path: string;
  /** Set on plan-time failures that map to a BerthError code (GPU_TOO_FEW, ...). */
  code?: BerthErrorCode;
}

export interface SourcePos {
  line: number;
  col: number;
}

export function formatIssue(i: ConfigIssue): string {
  const head = `${i.file}:${i.line}:${i.col}: ${i.severity}: ${i.message}`;
  return i.hint ? `${head}\n  hint: ${i.hint}` : head;
}

export function hasErrors(issues: readonly ConfigIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

export function formatPath(path: ReadonlyArray<string | number | symbol>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}
