// The fit estimate as `berth plan` and `berth run` print it: the verdict and its headline, the
// figures behind it, then what to change.
import { VERDICT_WORDS, type MemoryEstimate } from '../../../shared/fit/types.js';
import type { colors } from './issues.js';

export function verdictLabel(m: MemoryEstimate, c: ReturnType<typeof colors>): string {
  const l = VERDICT_WORDS[m.verdict];
  return m.verdict === 'fits' ? c.green(l) : m.verdict === 'tight' ? c.yellow(l) : m.verdict === 'does-not-fit' ? c.red(l) : c.dim(l);
}

export function describeMemory(m: MemoryEstimate, c: ReturnType<typeof colors>): string {
  const lines = ['', `${c.bold('GPU memory (will it fit?):')} ${verdictLabel(m, c)}`];
  if (m.model) lines.push(`  ${c.dim('model'.padEnd(14))} ${m.model}${m.commit ? ` (${m.commit.slice(0, 12)})` : ''}${m.modelVia ? c.dim(`  from ${m.modelVia}`) : ''}`);
  for (const r of m.reasons) lines.push(`  - ${r}`);
  for (const a of m.approximations) lines.push(`  ${c.dim(`~ ${a}`)}`);
  for (const s of m.suggestions) lines.push(`  ${c.yellow('try:')} ${s}`);
  if (m.readFrom === 'cache') lines.push(`  ${c.dim('(read from the Hugging Face cache: the Hub was unreachable)')}`);
  return lines.join('\n');
}
