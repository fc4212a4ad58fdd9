export { runBench, checkBenchOptions, type RunBenchInput } from './runner.js';
export { BenchStore, contextChanges } from './store.js';
export { benchCsv, benchJson } from './export.js';
export { syntheticPrompt } from './workload.js';
export { dist, summarizeLevel, tpotOf, type Sample } from './stats.js';
