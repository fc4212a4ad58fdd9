// Timeline events carry a sequence number: transitions in one millisecond stay apart.
import { describe, expect, it } from 'vitest';
import { DeploymentStateMachine } from '../../../electron/engine/supervisor/state-machine.js';

describe('timeline sequence numbers', () => {
  it('two transitions in the same millisecond get distinct, increasing seq', () => {
    const sm = new DeploymentStateMachine(50, () => 1000);
    sm.transition('pulling', 'a');
    sm.transition('starting', 'b');
    sm.transition('waiting_for_startup', 'c');
    const seqs = sm.timeline().map((e) => e.seq);
    expect(seqs.every((s) => Number.isSafeInteger(s))).toBe(true);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
  });

  it('seq keeps increasing across state machines (a reopened deployment sorts after the old one)', () => {
    const a = new DeploymentStateMachine();
    const last = a.transition('pulling', 'x').seq;
    const b = new DeploymentStateMachine();
    expect(b.timeline()[0].seq).toBeGreaterThan(last);
  });
});
