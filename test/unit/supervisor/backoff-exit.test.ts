import { describe, it, expect } from 'vitest';
import { CrashBackoff } from '../../../electron/engine/supervisor/backoff.js';
import { describeExit } from '../../../electron/engine/supervisor/exit-reason.js';

describe('CrashBackoff', () => {
  it('restarts the first crash at once, then doubles up to the cap', () => {
    const b = new CrashBackoff({ baseMs: 1000, capMs: 5000, resetAfterMs: 60_000 });
    expect([0, 1, 2, 3, 4, 5].map((i) => b.onCrash(i))).toEqual([0, 1000, 2000, 4000, 5000, 5000]);
  });
  it('forgets crashes after a stable ready period, not before', () => {
    const b = new CrashBackoff({ baseMs: 100, capMs: 1000, resetAfterMs: 1000 });
    b.onCrash(0);
    b.onCrash(10);
    b.onReady(100);
    expect(b.onCrash(500)).toBe(200); // ready only 400 ms: not forgiven
    b.onReady(600);
    expect(b.onCrash(1700)).toBe(0); // ready 1100 ms: forgiven
  });
});

describe('describeExit', () => {
  it('explains OOM and 137', () => {
    expect(describeExit({ exitCode: 137, oomKilled: true })).toMatch(/code 137 \(out of memory/);
    expect(describeExit({ exitCode: 137, oomKilled: false })).toMatch(/SIGKILL/);
  });
  it('adds the last log lines', () => {
    const r = describeExit({ exitCode: 3, oomKilled: false, lastLogLines: ['a', '', 'boom: CUDA error'] });
    expect(r).toBe('exited with code 3; last output: a | boom: CUDA error');
  });
  it('explains command not found', () => {
    expect(describeExit({ exitCode: 127, oomKilled: false })).toMatch(/start_command/);
  });
});
