// Records the Docker engine's container `start` events with the engine's own nanosecond
// timestamps, so "container running" is timed the same way for Berth and `docker run`.
import { docker } from './trusses.mjs';

export async function watchStarts() {
  const starts = [];
  const stream = await docker.getEvents({ filters: { type: ['container'], event: ['start'] } });
  let buf = '';
  stream.on('data', (chunk) => {
    buf += chunk.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const e = JSON.parse(line);
      starts.push({ id: e.Actor?.ID ?? e.id, timeMs: Number(e.timeNano) / 1e6, attributes: e.Actor?.Attributes ?? {} });
    }
  });
  stream.on('error', () => {});
  return {
    starts,
    /** The first start event after `sinceMs` matching `pred`, waiting up to `timeoutMs`. */
    async find(pred, sinceMs, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const e = starts.find((s) => s.timeMs >= sinceMs && pred(s));
        if (e) return e;
        if (Date.now() > end) throw new Error(`no container start event from the engine within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: () => stream.destroy?.(),
  };
}
