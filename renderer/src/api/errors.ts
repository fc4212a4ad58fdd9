import type { BerthErrorShape } from '../../../shared/errors.js';

/**
 * Turns any failure into message + hint safe to show. ApiClient rejects with an ApiError
 * (HTTP) or a plain BerthErrorShape (Electron contextBridge); anything else is unexpected.
 */
export function asErrorShape(err: unknown): BerthErrorShape {
  if (err && typeof err === 'object') {
    const o = err as Record<string, unknown>;
    if (typeof o.message === 'string' && typeof o.code === 'string') {
      return { code: o.code as BerthErrorShape['code'], message: firstLine(o.message), hint: typeof o.hint === 'string' ? o.hint : undefined };
    }
  }
  const msg = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: firstLine(msg), hint: 'Retry; if it keeps failing, restart Berth and report the message.' };
}

// Stack traces never reach the user: only the first line of a message is kept.
function firstLine(s: string): string {
  return s.split('\n')[0].trim() || 'Unknown error';
}
