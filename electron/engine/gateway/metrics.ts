// Gateway metrics: counters by status, a fixed-size ring of recent latencies and TTFBs
// (percentiles are computed from a sorted copy at most once a second, off the hot path),
// and OpenAI-style SSE token counting.
import type { GatewayMetrics } from '../../../shared/deployment.js';

const RING = 2048;

export class LatencyRing {
  private readonly buf = new Float64Array(RING);
  private n = 0;
  private i = 0;

  add(ms: number): void {
    this.buf[this.i] = ms;
    this.i = (this.i + 1) & (RING - 1);
    if (this.n < RING) this.n++;
  }

  get count(): number {
    return this.n;
  }

  /** Percentiles (0..100) of the samples held, nearest-rank; null when empty. */
  percentiles(ps: number[]): number[] | null {
    if (this.n === 0) return null;
    const s = this.buf.slice(0, this.n).sort();
    return ps.map((p) => {
      const rank = Math.min(this.n - 1, Math.max(0, Math.ceil((p / 100) * this.n) - 1));
      return Math.round(s[rank] * 1000) / 1000;
    });
  }
}

// Bytes of `"delta"`: each OpenAI streaming chunk carries one `choices[].delta`.
const DELTA = Buffer.from('"delta"');

/** Counts streamed tokens in an SSE chunk without parsing JSON. */
export function countSseTokens(chunk: Buffer): number {
  let n = 0;
  let at = chunk.indexOf(DELTA);
  while (at !== -1) {
    n++;
    at = chunk.indexOf(DELTA, at + 7);
  }
  return n;
}

export class GatewayMetricsRecorder {
  readonly requests: Record<string, number> = Object.create(null);
  readonly latency = new LatencyRing();
  readonly ttfb = new LatencyRing();
  private tokens = 0;
  private tokenWindowStart = 0;
  private lastSnapshotAt = 0;
  private lastTokensPerSecond: number | null = null;

  countStatus(status: number): void {
    const k = String(status);
    this.requests[k] = (this.requests[k] ?? 0) + 1;
  }

  addTokens(n: number, now: number): void {
    // A stream that was already flowing at the last snapshot is measured from that
    // snapshot; a new one from its first token.
    if (this.tokenWindowStart === 0) this.tokenWindowStart = this.lastTokensPerSecond !== null ? this.lastSnapshotAt : now;
    this.tokens += n;
  }

  snapshot(now: number, inFlight: number, queueDepth: number): GatewayMetrics {
    const lat = this.latency.percentiles([50, 90, 99]);
    const tt = this.ttfb.percentiles([50, 99]);
    if (this.tokenWindowStart !== 0) {
      const secs = Math.max(0.05, (now - this.tokenWindowStart) / 1000);
      this.lastTokensPerSecond = Math.round((this.tokens / secs) * 10) / 10;
      this.tokens = 0;
      this.tokenWindowStart = 0;
    } else if (inFlight === 0) {
      // No tokens since the last snapshot and nothing streaming: the rate is not current.
      this.lastTokensPerSecond = null;
    }
    this.lastSnapshotAt = now;
    return {
      time: now,
      requests: { ...this.requests },
      inFlight,
      queueDepth,
      latencyMs: lat ? { p50: lat[0], p90: lat[1], p99: lat[2] } : null,
      ttfbMs: tt ? { p50: tt[0], p99: tt[1] } : null,
      tokensPerSecond: this.lastTokensPerSecond,
    };
  }
}
