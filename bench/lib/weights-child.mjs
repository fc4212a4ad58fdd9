// Child process of bench/weights-download.mjs: runs Berth's weights stage (the real engine
// code, bundled from source) for one repo into an empty cache and prints one JSON line with
// the stage's time, the bytes moved and this process's peak RSS.
//   node bench/lib/weights-child.mjs HUB_URL CACHE_DIR REPO_ID [FILE...]
import { importEngine } from './engine-bundle.mjs';

const [endpoint, cacheDir, repoId, ...files] = process.argv.slice(2);
const { runWeightsStage } = await importEngine('electron/engine/weights/fetch-weights.ts');
const entry = { key: 'weights', index: 0, repoId, revision: 'main', allowPatterns: files.length ? ['config.json', ...files] : [], ignorePatterns: [], dialect: 'glob', target: '/models/bench', secretName: null };
const t0 = performance.now();
const r = await runWeightsStage([entry], { cacheDir, endpoint, authFor: async () => ({ token: null, source: null, secretName: null }), viewDir: null });
const ms = performance.now() - t0;
const cpu = process.cpuUsage();
console.log(JSON.stringify({ ms, bytes: r.downloadedBytes, peakRssMb: process.resourceUsage().maxRSS / 1024, cpuMs: (cpu.user + cpu.system) / 1000 }));
