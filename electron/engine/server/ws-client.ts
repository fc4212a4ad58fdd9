// One WebSocket subscriber with backpressure. While the socket's send buffer is above the
// high-water mark, events are held in a bounded queue instead: log batches for the same
// deployment merge (oldest lines dropped and counted), state-like events keep only the
// latest per deployment. So a slow client costs bounded memory and never stalls others.
import type { WebSocket } from 'ws';
import type { EventChannel, EventMap, EventMessage } from '../../../shared/api/index.js';

export interface WsClientLimits {
  /** Bytes buffered in the socket above which events are queued instead of sent. */
  highWaterBytes: number;
  /** Most log lines kept per deployment while queued. */
  maxQueuedLogLines: number;
  /** Most queued messages in all (besides merged ones); beyond it the oldest are dropped. */
  maxQueued: number;
  flushIntervalMs: number;
}

export const DEFAULT_WS_LIMITS: WsClientLimits = { highWaterBytes: 1 << 20, maxQueuedLogLines: 2000, maxQueued: 1000, flushIntervalMs: 50 };

// Events where only the newest value matters, keyed per deployment.
const LATEST_ONLY: ReadonlySet<EventChannel> = new Set(['engine.status', 'deployment.state', 'deployment.progress', 'deployment.metrics', 'gpu.sample', 'deployments.changed']);

export class WsClient {
  private readonly queue = new Map<string, EventMessage>();
  private seq = 0;
  private oneOffs = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Count of events this client lost to backpressure (logs counted by line). */
  dropped = 0;

  constructor(
    readonly socket: WebSocket,
    private readonly limits: WsClientLimits = DEFAULT_WS_LIMITS,
  ) {}

  get queued(): number {
    return this.queue.size;
  }

  send<C extends EventChannel>(channel: C, payload: EventMap[C]): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const msg = { type: 'event', channel, payload } as EventMessage;
    if (this.queue.size === 0 && this.socket.bufferedAmount < this.limits.highWaterBytes) {
      this.socket.send(JSON.stringify(msg));
      return;
    }
    this.enqueue(msg);
    this.schedule();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.clear();
    this.oneOffs = 0;
  }

  private enqueue(msg: EventMessage): void {
    const id = (msg.payload as { id?: string }).id ?? '';
    if (msg.channel === 'deployment.log') {
      const key = `log:${id}`;
      const prev = this.queue.get(key) as Extract<EventMessage, { channel: 'deployment.log' }> | undefined;
      const lines = prev ? [...prev.payload.lines, ...msg.payload.lines] : [...msg.payload.lines];
      let dropped = (prev?.payload.dropped ?? 0) + msg.payload.dropped;
      if (lines.length > this.limits.maxQueuedLogLines) {
        const over = lines.length - this.limits.maxQueuedLogLines;
        lines.splice(0, over);
        dropped += over;
        this.dropped += over;
      }
      // Re-inserted at the end so ordering against other events stays roughly causal.
      this.queue.delete(key);
      this.queue.set(key, { type: 'event', channel: 'deployment.log', payload: { id, lines, dropped } });
      return;
    }
    if (LATEST_ONLY.has(msg.channel)) {
      const key = `${msg.channel}:${id}`;
      if (this.queue.delete(key)) this.dropped++;
      this.queue.set(key, msg);
      return;
    }
    // Merged entries are already bounded (one per channel and deployment); only the
    // one-off events (timeline, probes) count against maxQueued, oldest dropped first.
    this.queue.set(`#${this.seq++}`, msg);
    this.oneOffs++;
    if (this.oneOffs > this.limits.maxQueued) {
      for (const key of this.queue.keys()) {
        if (!key.startsWith('#')) continue;
        this.queue.delete(key);
        this.oneOffs--;
        this.dropped++;
        if (this.oneOffs <= this.limits.maxQueued) break;
      }
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drain();
    }, this.limits.flushIntervalMs);
    this.timer.unref?.();
  }

  private drain(): void {
    if (this.socket.readyState !== this.socket.OPEN) {
      this.queue.clear();
      this.oneOffs = 0;
      return;
    }
    for (const [key, msg] of this.queue) {
      if (this.socket.bufferedAmount >= this.limits.highWaterBytes) break;
      this.queue.delete(key);
      if (key.startsWith('#')) this.oneOffs--;
      this.socket.send(JSON.stringify(msg));
    }
    if (this.queue.size) this.schedule();
  }
}
