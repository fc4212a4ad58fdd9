// Shared CLI output: positioned issues (FILE:LINE:COL: severity: message + hint), errors
// without a position, colour only on a TTY.
import type { ConfigIssue } from '../../../shared/truss/issues.js';
import type { BerthErrorShape } from '../../../shared/errors.js';

const tty = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env.NO_COLOR;
const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export function colors(stream: NodeJS.WriteStream = process.stdout) {
  const on = tty(stream);
  return {
    red: (s: string) => paint(on, '31', s),
    yellow: (s: string) => paint(on, '33', s),
    green: (s: string) => paint(on, '32', s),
    dim: (s: string) => paint(on, '2', s),
    bold: (s: string) => paint(on, '1', s),
  };
}

export function formatIssueLine(i: ConfigIssue, c = colors()): string {
  const sev = i.severity === 'error' ? c.red('error') : c.yellow('warning');
  const head = `${i.file}:${i.line}:${i.col}: ${sev}: ${i.message}`;
  if (!i.hint) return head;
  const hint = i.hint.split('\n').join('\n        ');
  return `${head}\n  ${c.dim('hint:')} ${hint}`;
}

export function formatFileError(file: string, e: BerthErrorShape, c = colors()): string {
  const msg = e.message.startsWith(file) ? e.message : `${file}: ${e.message}`;
  return `${msg.replace(/^([^:]+(?::\d+:\d+)?): /, `$1: ${c.red('error')}: `)}${e.hint ? `\n  ${c.dim('hint:')} ${e.hint}` : ''}`;
}
