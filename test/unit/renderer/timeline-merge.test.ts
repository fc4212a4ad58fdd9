// The live timeline merges the deployments.get snapshot with pushed `deployment.timeline`
// events by sequence number: two transitions in the same millisecond are two rows.
import { describe, expect, it } from 'vitest';
import { addTimeline, liveStore, seedLive } from '../../../renderer/src/state/deployments.js';
import type { TimelineEvent } from '../../../shared/deployment.js';

const ev = (seq: number, time: number, state: TimelineEvent['state']): TimelineEvent => ({ seq, time, state, reason: state });

describe('timeline merge (renderer state)', () => {
  it('keeps a pushed event from the same millisecond as the snapshot\'s last one', () => {
    const id = 'tl-same-ms';
    // Pushed before the snapshot answered: restarting and starting in one ms at t=1000.
    addTimeline(id, [ev(3, 1000, 'restarting'), ev(4, 1000, 'starting')]);
    // The snapshot was taken between the two.
    seedLive(id, { timeline: [ev(1, 900, 'idle'), ev(2, 950, 'ready'), ev(3, 1000, 'restarting')], probes: [], progress: null, metrics: null });
    expect(liveStore(id).get().timeline.map((e) => e.state)).toEqual(['idle', 'ready', 'restarting', 'starting']);
  });

  it('a pushed event already in the snapshot is not shown twice', () => {
    const id = 'tl-dup';
    seedLive(id, { timeline: [ev(10, 500, 'idle'), ev(11, 500, 'pulling')], probes: [], progress: null, metrics: null });
    addTimeline(id, [ev(11, 500, 'pulling'), ev(12, 500, 'starting')]);
    expect(liveStore(id).get().timeline.map((e) => e.seq)).toEqual([10, 11, 12]);
  });
});
