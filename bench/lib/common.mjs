// Shared helpers of the engine benchmarks (readiness, start-overhead, log-pipeline,
// idle-cost): statistics, target verdicts, result files. No Berth code here.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile (p in 0..100) of a list of numbers. */
export function percentile(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function summarize(values) {
  const n = values.length;
  if (!n) return { n: 0, min: NaN, p50: NaN, p95: NaN, max: NaN, mean: NaN };
  return {
    n,
    min: Math.min(...values),
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / n,
  };
}

export const round = (v, digits = 1) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

export function fmtSummary(s, unit = 'ms') {
  return `p50 ${round(s.p50)} ${unit}, p95 ${round(s.p95)} ${unit}, max ${round(s.max)} ${unit} (min ${round(s.min)}, mean ${round(s.mean)}, n=${s.n})`;
}

/**
 * A target check. `better` says which way is good: 'lower' (value <= target passes) or
 * 'higher' (value >= target passes). `by` is how far past the target, as a ratio of it.
 */
export function verdict(name, value, better, target, unit) {
  const pass = Number.isFinite(value) && (better === 'lower' ? value <= target : value >= target);
  const margin = better === 'lower' ? (value - target) / target : (target - value) / target;
  const v = { name, value: round(value, 3), unit, target, better, pass, by: round(Math.abs(margin) * 100, 1) };
  const op = better === 'lower' ? '<=' : '>=';
  const how = !Number.isFinite(value) ? 'no value' : pass ? `${v.by}% inside the target` : `${v.by}% past the target`;
  console.log(`  ${pass ? 'PASS' : 'MISS'}  ${name}: ${round(value, 2)} ${unit} (target ${op} ${target} ${unit}; ${how})`);
  return v;
}

/** Writes bench/results/<name>.json (the runner and docs/BENCHMARKS.md read these). */
export function writeResults(name, data) {
  const dir = path.join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, at: new Date().toISOString(), node: process.version, ...data }, null, 2) + '\n');
  console.log(`  results: ${path.relative(root, file)}`);
}

/** Runs `body`, always runs `cleanup`, and exits 1 with a plain message (no stack) on failure. */
export async function main(name, body, cleanup) {
  const limitS = Number(process.env.BENCH_TIME_LIMIT_S ?? 240);
  const hardStop = setTimeout(() => {
    console.error(`${name}: gave up after ${limitS} s (raise BENCH_TIME_LIMIT_S for longer runs); cleaning up.`);
    process.exitCode = 1;
    Promise.resolve(cleanup?.()).finally(() => process.exit(1));
  }, limitS * 1000);
  hardStop.unref();
  try {
    await body();
  } catch (err) {
    process.exitCode = 1;
    console.error(`${name}: ${err?.message ?? err}`);
    if (process.env.BERTH_DEBUG) console.error(err);
  } finally {
    try {
      await cleanup?.();
    } catch (err) {
      console.error(`${name}: cleanup: ${err?.message ?? err}`);
    }
    clearTimeout(hardStop);
  }
}
