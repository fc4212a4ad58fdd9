// Benchmark results per deployment under the data dir (bench/<deployment>/<run>.json), the
// newest KEEP runs kept. Each saved run lists what changed since the previous one of the
// same deployment, so a slower run can be put down to a new image, flags or GPU.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError } from '../../../shared/errors.js';
import type { BenchContext, BenchRun } from '../../../shared/bench.js';

const KEEP = 50;

function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** "field: old -> new" for each context field that differs. */
export function contextChanges(prev: BenchContext | null, next: BenchContext): string[] {
  if (!prev) return [];
  const fields: Array<[keyof BenchContext, string]> = [
    ['image', 'image'],
    ['imageDigest', 'image digest'],
    ['startCommand', 'start command'],
    ['predictConcurrency', 'predict_concurrency'],
    ['gpus', 'GPUs'],
    ['berthVersion', 'Berth version'],
  ];
  const out: string[] = [];
  for (const [k, label] of fields) {
    const a = JSON.stringify(prev[k] ?? null);
    const b = JSON.stringify(next[k] ?? null);
    if (a !== b) out.push(`${label}: ${fmt(prev[k])} -> ${fmt(next[k])}`);
  }
  return out;
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return 'unknown';
  if (Array.isArray(v)) return v.length ? v.join(', ') : 'none';
  return String(v);
}

export class BenchStore {
  constructor(readonly dir: string) {}

  private folder(deploymentId: string): string {
    return path.join(this.dir, safe(deploymentId));
  }

  /** Runs of a deployment, newest first. */
  list(deploymentId: string): BenchRun[] {
    const dir = this.folder(deploymentId);
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const runs: BenchRun[] = [];
    for (const n of names) {
      try {
        runs.push(JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as BenchRun);
      } catch {
        // A file cut by a crash: skipped.
      }
    }
    return runs.sort((a, b) => b.startedAt - a.startedAt);
  }

  get(deploymentId: string, runId: string): BenchRun {
    const run = this.list(deploymentId).find((r) => r.id === runId);
    if (!run) throw new BerthError('NOT_FOUND', `No benchmark run ${runId} for ${deploymentId}.`, 'List the runs (bench.results) for their ids.');
    return run;
  }

  /** Saves a finished run with its changes since the previous gateway run; prunes old ones. */
  save(run: BenchRun): BenchRun {
    const prev = this.list(run.context.deploymentId).find((r) => r.id !== run.id && r.target === run.target) ?? null;
    const saved: BenchRun = { ...run, changes: contextChanges(prev?.context ?? null, run.context) };
    const dir = this.folder(run.context.deploymentId);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${safe(run.id)}.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(saved, null, 1), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
    for (const old of this.list(run.context.deploymentId).slice(KEEP)) fs.rmSync(path.join(dir, `${safe(old.id)}.json`), { force: true });
    return saved;
  }
}
