// Streams the engine's /events for Berth's own containers, so a crash (die with exit code,
// oom) is seen the moment it happens instead of on the next probe. The stream ends when
// the engine restarts: reconnect and replay from the last event seen, so nothing is missed.
import { onJsonLines } from './json-lines.js';
import type Docker from 'dockerode';
import { LABELS } from '../../../shared/plan.js';

export type EngineEventAction = 'start' | 'die' | 'oom' | 'kill' | 'destroy' | 'stop' | 'restart' | 'create' | 'health_status';

export interface EngineEvent {
  action: EngineEventAction;
  containerId: string;
  name: string;
  /** For die: the process exit code. */
  exitCode?: number;
  /** For kill: the signal. */
  signal?: string;
  deploymentId?: string;
  instanceId?: string;
  labels: Record<string, string>;
  /** ms epoch */
  time: number;
}

export interface WatchFilter {
  /** Label filters: "key" or "key=value"; default: Berth-managed containers. */
  labels?: string[];
  actions?: EngineEventAction[];
  /** Reconnect back-off ceiling, ms. */
  retryMaxMs?: number;
}

export interface EventWatcher {
  stop(): void;
}

const DEFAULT_ACTIONS: EngineEventAction[] = ['start', 'die', 'oom', 'kill', 'destroy'];
const ATTR_SKIP = new Set(['name', 'image', 'exitCode', 'signal', 'execDuration']);

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export function toEngineEvent(raw: RawEvent): EngineEvent | null {
  if (raw.Type && raw.Type !== 'container') return null;
  const action = (raw.Action ?? raw.status ?? '').split(':')[0] as EngineEventAction;
  const attrs = raw.Actor?.Attributes ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (!ATTR_SKIP.has(k)) labels[k] = v;
  const time = raw.timeNano ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? Date.now() / 1000) * 1000;
  const ev: EngineEvent = { action, containerId: raw.Actor?.ID ?? raw.id ?? '', name: attrs.name ?? '', labels, time };
  if (attrs.exitCode !== undefined && attrs.exitCode !== '') ev.exitCode = Number(attrs.exitCode);
  if (attrs.signal) ev.signal = attrs.signal;
  if (labels[LABELS.deployment]) ev.deploymentId = labels[LABELS.deployment];
  if (labels[LABELS.instance]) ev.instanceId = labels[LABELS.instance];
  return ev;
}

export function watchEngineEvents(docker: Docker, filter: WatchFilter, onEvent: (e: EngineEvent) => void, onError?: (err: Error) => void): EventWatcher {
  const labels = filter.labels ?? [`${LABELS.managed}=true`];
  const actions = filter.actions ?? DEFAULT_ACTIONS;
  let stopped = false;
  let ac: AbortController | null = null;
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;
  // Replay from here after a reconnect (seconds, as the API wants; nanosecond precision kept).
  let sinceNano = 0;
  const seen = new Set<string>();

  const connect = async () => {
    if (stopped) return;
    ac = new AbortController();
    const opts: Record<string, unknown> = {
      filters: JSON.stringify({ type: ['container'], label: labels, event: actions }),
      abortSignal: ac.signal,
    };
    if (sinceNano) opts.since = (sinceNano / 1e9).toFixed(9);
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await (docker.getEvents as unknown as (o: object) => Promise<NodeJS.ReadableStream>)(opts)) as NodeJS.ReadableStream;
    } catch (err) {
      if (!stopped) {
        onError?.(err as Error);
        schedule();
      }
      return;
    }
    failures = 0;
    onJsonLines<RawEvent>(stream, (raw) => {
      const key = `${raw.timeNano}:${raw.Actor?.ID}:${raw.Action}`;
      if (seen.has(key)) return; // replayed after a reconnect
      seen.add(key);
      if (seen.size > 1000) seen.delete(seen.values().next().value as string);
      if (raw.timeNano) sinceNano = Math.max(sinceNano, raw.timeNano);
      const ev = toEngineEvent(raw);
      if (ev) {
        try {
          onEvent(ev);
        } catch {
          // The watcher outlives a faulty handler.
        }
      }
    });
    const ended = () => {
      if (!stopped) schedule();
    };
    stream.once('end', ended);
    stream.once('error', ended);
  };

  const schedule = () => {
    if (stopped || timer) return;
    const delay = Math.min(filter.retryMaxMs ?? 10_000, 250 * 2 ** Math.min(failures++, 10));
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
    timer.unref?.();
  };

  if (!sinceNano) sinceNano = Date.now() * 1e6;
  void connect();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      ac?.abort();
    },
  };
}
