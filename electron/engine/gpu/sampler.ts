// Periodic GPU utilisation sampling for the live charts. One nvidia-smi query per period, only
// while someone listens to 'sample'; the next query is scheduled after the previous one ends,
// so a slow driver never piles up processes.
import { EventEmitter } from 'node:events';
import type { GpuSample } from '../../../shared/gpu.js';
import { parseCsvRows, parseNumber, queryArgs, runNvidiaSmi, SAMPLE_QUERY_FIELDS, type SmiFailure } from './nvidia-smi.js';

export interface GpuSamplerEvents {
  sample: [GpuSample];
  /** nvidia-smi failed this period (not 'error': an unhandled 'error' event would crash). */
  failure: [SmiFailure];
}

export function parseSample(text: string, time: number): GpuSample {
  const rows = parseCsvRows(text, SAMPLE_QUERY_FIELDS);
  const gpus: GpuSample['gpus'] = [];
  for (const r of rows) {
    const index = parseNumber(r['index']);
    if (index === null) continue;
    gpus.push({
      index,
      uuid: r['uuid'] ?? `index-${index}`,
      memoryUsedMiB: parseNumber(r['memory.used']) ?? 0,
      utilizationPct: parseNumber(r['utilization.gpu']),
      temperatureC: parseNumber(r['temperature.gpu']),
      powerDrawW: parseNumber(r['power.draw']),
    });
  }
  return { time, gpus };
}

const NOT_FOUND_RETRY_MS = 60_000;

/** Emits 'sample' (GpuSample) and 'failure' (SmiFailure); see GpuSamplerEvents. */
export class GpuSampler extends EventEmitter {
  readonly periodMs: number;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inFlight: Promise<void> | null = null;
  private lastSample: GpuSample | null = null;

  constructor(opts: { periodMs?: number; timeoutMs?: number } = {}) {
    super();
    this.periodMs = Math.max(250, opts.periodMs ?? 2000);
    this.timeoutMs = opts.timeoutMs ?? Math.max(1000, Math.min(5000, this.periodMs * 2));
    this.on('newListener', (event: string | symbol) => {
      if (event === 'sample') queueMicrotask(() => this.syncRunning());
    });
    this.on('removeListener', (event: string | symbol) => {
      if (event === 'sample') queueMicrotask(() => this.syncRunning());
    });
  }

  /** The most recent sample, for a late subscriber to draw something at once. */
  latest(): GpuSample | null {
    return this.lastSample;
  }

  get active(): boolean {
    return this.running;
  }

  /** Stops sampling and waits for an in-flight query; listeners stay attached but get nothing more. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.removeAllListeners('sample');
    await this.inFlight;
  }

  private syncRunning(): void {
    const want = this.listenerCount('sample') > 0;
    if (want && !this.running) {
      this.running = true;
      this.tick();
    } else if (!want && this.running) {
      this.running = false;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private tick(): void {
    this.timer = null;
    if (!this.running) return;
    const started = Date.now();
    let period = this.periodMs;
    this.inFlight = (async () => {
      const r = await runNvidiaSmi(queryArgs(SAMPLE_QUERY_FIELDS), { timeoutMs: this.timeoutMs });
      if (!this.running) return;
      if (r.ok) {
        this.lastSample = parseSample(r.stdout, Date.now());
        this.emit('sample', this.lastSample);
      } else {
        this.emit('failure', r.failure);
        // No nvidia-smi (no driver) will not change every 2 s: look again once a minute
        // rather than forking a process that fails each period.
        if (r.failure.kind === 'not_found' || r.failure.kind === 'no_devices') period = Math.max(this.periodMs, NOT_FOUND_RETRY_MS);
      }
    })()
      // A throwing listener must not stop sampling or surface as an unhandled rejection.
      .catch(() => undefined)
      .finally(() => {
      this.inFlight = null;
      if (!this.running) return;
      const wait = Math.max(0, period - (Date.now() - started));
      this.timer = setTimeout(() => this.tick(), wait);
      this.timer.unref?.();
    });
  }
}
