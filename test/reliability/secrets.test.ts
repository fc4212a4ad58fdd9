// A secret's value must appear nowhere but the secret store, the per-container secrets dir
// (while it runs) and the model process: set a random value, run fixture deployments whose
// start command and build command read /secrets/<name>, prove it arrived (the fixture's
// /secrets-report hash), then scan everything Berth produced or touched for the value.
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerCli } from '../helpers/docker.js';
import { makeBerthHome, tmpDir } from '../helpers/tmp.js';
import { bundleCli, removeBundle, startServe, type Berth } from './helpers/berth-process.js';
import { fixtureTruss } from './helpers/truss.js';
import { leftovers, sweep } from './helpers/leftovers.js';

const NAME = 'rel_token';
const VALUE = `relsecret-${randomBytes(18).toString('hex')}`;
const SHA = createHash('sha256').update(VALUE).digest('hex');
const RUN_NONCE = randomBytes(6).toString('hex');
// The value in the encodings a careless path could leak it in.
const NEEDLES = [VALUE, Buffer.from(VALUE).toString('base64'), Buffer.from(VALUE).toString('hex'), encodeURIComponent(VALUE)].map((s) => Buffer.from(s));

const home = makeBerthHome('berth-rel-secrets-home-');
const work = tmpDir('berth-rel-secrets-work-');
let cli = '';
let berth: Berth;
const builtImages: string[] = [];
const run = fixtureTruss({
  name: 'rel-secret-run',
  predictEndpoint: '/predict',
  secrets: [NAME],
  // Reads the secret (its hash goes to the log, which the test checks) before serving.
  startCommand: `sh -c "sha256sum /secrets/${NAME} && exec node /srv/model-server/server.mjs --port 8000"`,
});
const built = fixtureTruss({
  name: 'rel-secret-build',
  predictEndpoint: '/predict',
  secrets: [NAME],
  // The run's nonce makes this build new each run: a cached image from an earlier run (another
  // secret value) would skip the build this test has to watch.
  buildCommands: [`sh -c ": run-${RUN_NONCE} && mkdir -p /app && test -s /secrets/${NAME} && sha256sum /secrets/${NAME} | cut -d' ' -f1 > /app/build-secret.sha256"`],
  startCommand: `sh -c "cat /app/build-secret.sha256 && exec node /srv/model-server/server.mjs --port 8000"`,
});

beforeAll(async () => {
  cli = await bundleCli();
  berth = await startServe(cli, { home: home.dir });
  const set = await berth.api('secrets.set', { name: NAME, value: VALUE });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
});

afterAll(async () => {
  await berth?.stop().catch(() => undefined);
  await sweep(home.dir);
  // The derived image is a cache Berth keeps by design; this test's one goes with the test.
  for (const img of builtImages) await docker.getImage(img).remove({ force: true }).catch(() => undefined);
  if (cli) removeBundle(cli);
  run.cleanup();
  built.cleanup();
  work.cleanup();
  home.cleanup();
});

function findIn(what: string, data: Buffer | string): string[] {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return NEEDLES.some((n) => buf.includes(n)) ? [what] : [];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...filesUnder(p));
    else if (ent.isFile()) out.push(p);
  }
  return out;
}

/** Everything under BERTH_HOME except the secret store (and, while running, the secrets dirs). */
function scanHome(skipRunSecrets: boolean): string[] {
  const runSecrets = path.join(home.dir, 'run', 'secrets') + path.sep;
  return filesUnder(home.dir)
    .filter((f) => path.basename(f) !== 'secrets.json')
    .filter((f) => !(skipRunSecrets && f.startsWith(runSecrets)))
    .flatMap((f) => findIn(`file ${f}`, fs.readFileSync(f)));
}

async function startReady(dir: string): Promise<any> {
  const opened = await berth.api('deployments.open', { path: dir });
  expect(opened.status, JSON.stringify(opened.body)).toBe(200);
  const id = opened.body.result.id;
  const started = await berth.api('deployments.start', { id });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  return berth.waitState(id, 'ready', 120_000);
}

async function secretsReport(gatewayUrl: string): Promise<any> {
  const res = await fetch(`${gatewayUrl}/environments/production/sync/secrets-report`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return res.json();
}

/** Scans what Berth and the engine say about a running deployment. */
async function scanRunning(detail: any): Promise<string[]> {
  const id = detail.summary.id;
  const containerId = detail.summary.containerId;
  const hits: string[] = [];
  const logs = await berth.api('logs.tail', { id, n: 100_000 });
  hits.push(...findIn('logs.tail', JSON.stringify(logs.body)));
  hits.push(...findIn('deployments.get', JSON.stringify((await berth.api('deployments.get', { id })).body)));
  hits.push(...findIn('deployments.list', JSON.stringify((await berth.api('deployments.list')).body)));
  hits.push(...findIn('secrets.list', JSON.stringify((await berth.api('secrets.list')).body)));
  hits.push(...findIn('docker inspect container', await dockerCli(['inspect', containerId])));
  const image = (await docker.getContainer(containerId).inspect()).Image;
  hits.push(...findIn('docker inspect image', await dockerCli(['image', 'inspect', image])));
  hits.push(...findIn('docker history', await dockerCli(['history', '--no-trunc', image])));
  hits.push(...findIn('docker logs', await dockerCli(['logs', containerId]).catch((e) => String(e))));
  hits.push(...scanHome(true));
  return hits;
}

const execFileP = promisify(execFile);

/** `docker save` of an image, every file of every layer tar scanned as raw bytes. */
async function scanSavedImage(ref: string): Promise<string[]> {
  const dir = path.join(work.dir, `save-${randomBytes(3).toString('hex')}`);
  fs.mkdirSync(dir);
  const tar = path.join(dir, 'image.tar');
  await dockerCli(['save', '-o', tar, ref], 180_000);
  const out = path.join(dir, 'x');
  fs.mkdirSync(out);
  await execFileP('tar', ['-xf', tar, '-C', out]);
  const hits: string[] = [];
  let layers = 0;
  for (const f of filesUnder(out)) {
    hits.push(...findIn(`docker save: ${path.relative(out, f)}`, fs.readFileSync(f)));
    if (f.endsWith('layer.tar')) {
      layers++;
      // Layer tars are plain (uncompressed) tars: raw bytes hold every file's content.
    }
  }
  expect(layers).toBeGreaterThan(0);
  fs.rmSync(dir, { recursive: true, force: true });
  return hits;
}

describe('secrets never leak', () => {
  it('a start command reads the secret: it arrives (hash matches) and appears nowhere else', async () => {
    const detail = await startReady(run.dir);
    const report = await secretsReport(detail.summary.gatewayUrl);
    expect(report.files.find((f: any) => f.name === NAME)?.sha256).toBe(SHA);
    expect(report.envNames.some((n: string) => n === NAME || n.toUpperCase() === NAME.toUpperCase())).toBe(false);
    // The start command really read it: its hash (never the value) reached the log.
    const logs = await berth.api('logs.tail', { id: detail.summary.id, n: 1000 });
    expect(JSON.stringify(logs.body)).toContain(SHA);
    expect(await scanRunning(detail)).toEqual([]);
    expect((await berth.api('deployments.stop', { id: detail.summary.id })).status).toBe(200);
  });

  it('a build command reads the secret: it reaches the build, and no layer, history or log holds it', async () => {
    const detail = await startReady(built.dir);
    const report = await secretsReport(detail.summary.gatewayUrl);
    expect(report.files.find((f: any) => f.name === NAME)?.sha256).toBe(SHA);
    const logs = await berth.api('logs.tail', { id: detail.summary.id, n: 1000 });
    expect(JSON.stringify(logs.body)).toContain(SHA); // written by the build command, printed at start
    expect(await scanRunning(detail)).toEqual([]);
    const image = (await docker.getContainer(detail.summary.containerId).inspect()).Image;
    builtImages.push(image);
    expect(await scanSavedImage(image)).toEqual([]);
    expect((await berth.api('deployments.stop', { id: detail.summary.id })).status).toBe(200);
  });

  it('after stop: no events, process output or file under BERTH_HOME (but the store) holds it, and nothing is left', async () => {
    // Everything Berth pushed over the WebSocket during the whole file.
    expect(berth.events.length).toBeGreaterThan(0);
    expect(findIn('WebSocket events', JSON.stringify(berth.events))).toEqual([]);
    expect(findIn('berth stdout/stderr', berth.output())).toEqual([]);
    expect(scanHome(false)).toEqual([]);
    // The store does hold it, so the scan above looked at the right things.
    expect(fs.existsSync(path.join(home.dir, 'secrets.json'))).toBe(true);
    expect(await leftovers(home.dir)).toEqual({ containers: [], volumes: [], secretDirs: [] });
  });
});
