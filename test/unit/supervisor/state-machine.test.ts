import { describe, it, expect } from 'vitest';
import { DeploymentStateMachine, InvalidTransitionError, TRANSITIONS, canTransition } from '../../../electron/engine/supervisor/state-machine.js';

describe('DeploymentStateMachine', () => {
  it('walks the happy path and records reasons with times', () => {
    let t = 1000;
    const sm = new DeploymentStateMachine(50, () => t);
    for (const s of ['pulling', 'starting', 'waiting_for_startup', 'ready', 'not_ready', 'ready', 'stopping', 'stopped'] as const) {
      t += 10;
      sm.transition(s, `to ${s}`);
    }
    const tl = sm.timeline();
    expect(tl.map((e) => e.state)).toEqual(['idle', 'pulling', 'starting', 'waiting_for_startup', 'ready', 'not_ready', 'ready', 'stopping', 'stopped']);
    expect(tl[4]).toMatchObject({ time: 1040, state: 'ready', reason: 'to ready' });
    expect(sm.state.since).toBe(1080);
  });

  it('rejects edges that are not allowed', () => {
    const sm = new DeploymentStateMachine();
    expect(() => sm.transition('ready', 'x')).toThrow(InvalidTransitionError);
    expect(canTransition('stopped', 'ready')).toBe(false);
    expect(canTransition('crash_loop', 'restarting')).toBe(true);
    // every target named in the table is itself a state
    for (const targets of Object.values(TRANSITIONS)) for (const t of targets) expect(TRANSITIONS[t]).toBeDefined();
  });

  it('bounds the timeline', () => {
    const sm = new DeploymentStateMachine(5);
    for (let i = 0; i < 10; i++) {
      sm.transition('pulling', `p${i}`);
      sm.transition('failed', `f${i}`);
    }
    const tl = sm.timeline();
    expect(tl).toHaveLength(5);
    expect(tl[tl.length - 1].reason).toBe('f9');
  });

  it('update changes details without a timeline entry', () => {
    const sm = new DeploymentStateMachine();
    sm.transition('pulling', 'pulling x', { progress: 0 });
    sm.update({ progress: 0.5 });
    expect(sm.state.progress).toBe(0.5);
    expect(sm.timeline()).toHaveLength(2);
  });

  it('carries extras such as nextRestartAt', () => {
    const sm = new DeploymentStateMachine();
    sm.transition('starting', 's');
    sm.transition('crash_loop', 'crashed', { nextRestartAt: 5000, restartCount: 3 });
    expect(sm.state).toMatchObject({ name: 'crash_loop', nextRestartAt: 5000, restartCount: 3 });
    sm.transition('restarting', 'r');
    expect(sm.state.nextRestartAt).toBeUndefined();
    expect(sm.state.restartCount).toBe(3);
  });
});
