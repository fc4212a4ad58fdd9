// Config issues (1-based line/col) to CodeMirror diagnostics (document offsets).
import type { ApiConfigIssue } from '../api/contract.js';

export interface DiagnosticLike { from: number; to: number; severity: 'error' | 'warning'; message: string }

export function issuesToDiagnostics(text: string, issues: ApiConfigIssue[]): DiagnosticLike[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return issues.map((is) => {
    const li = Math.min(Math.max(1, is.line || 1), starts.length) - 1;
    const lineStart = starts[li];
    const lineEnd = li + 1 < starts.length ? starts[li + 1] - 1 : text.length;
    const from = Math.min(lineStart + Math.max(0, (is.col || 1) - 1), lineEnd);
    // Underline to the end of the token (or the line when the token is empty).
    const rest = text.slice(from, lineEnd);
    const tok = /^[^\s:,]+/.exec(rest)?.[0].length ?? 0;
    const to = tok > 0 ? from + tok : lineEnd > from ? lineEnd : from;
    return { from, to, severity: is.severity, message: is.hint ? `${is.message}\n${is.hint}` : is.message };
  });
}
