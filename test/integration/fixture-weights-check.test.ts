// The fixture image stands in for the real model servers of Truss configs that carry weights
// (model_cache / weights): their start_commands run unchanged (`sh -c <start_command>`, as
// Berth runs them) against the `vllm`, `python3 -m ...`, `text-embeddings-router` and `bash`
// stand-ins, and `server.mjs --model-check` refuses to serve unless the model dir (or the
// Hugging Face cache entry) holds exactly the files config.json's `berth_fixture` promises.
// Model dirs are host temp dirs bind-mounted read-only; every container is labelled and
// removed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { demux, removeContainersByLabel, runFixture, testLabels, type FixtureOptions } from '../helpers/docker.js';
import { getJson, waitForHttp } from '../helpers/http.js';
import { tmpDir, type TempDir } from '../helpers/tmp.js';

const AREA = 'fixture-weights';
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLES = path.resolve(repo, '../shared/conformance/truss-examples');
const MIB = 1024 * 1024;
const NEMOTRON = 'nvidia/Llama-3.1-Nemotron-Nano-VL-8B-V1';
const COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

/** The start_command of a real example, as Berth passes it to `sh -c`. */
function startCommand(file: string): string {
  const p = path.join(EXAMPLES, file);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: the reference folder ../shared must sit beside the checkout`);
  return String(parseYaml(fs.readFileSync(p, 'utf8')).docker_server.start_command).replace(/\s+$/, '');
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Weights plus a config.json whose berth_fixture lists them (and what must be absent). */
function modelFiles(bigMiB: number): Record<string, Buffer> {
  const weights: Record<string, Buffer> = {
    'model-00001-of-00002.safetensors': crypto.randomBytes(bigMiB * MIB),
    'model-00002-of-00002.safetensors': crypto.randomBytes(4096),
    'tokenizer.json': Buffer.from(JSON.stringify({ version: '1.0', model: { type: 'BPE' } })),
  };
  const required = Object.fromEntries(Object.entries(weights).map(([rel, b]) => [rel, { size: b.length, sha256: sha256(b) }]));
  const config = { architectures: ['LlamaForCausalLM'], berth_fixture: { required, absent: ['original/consolidated.00.pth', 'model.pth'] } };
  return { ...weights, 'config.json': Buffer.from(JSON.stringify(config, null, 2)) };
}

function writeFiles(dir: string, files: Record<string, Buffer>): string {
  fs.chmodSync(dir, 0o755); // mkdtemp makes 0700: the non-root runs must read it
  for (const [rel, b] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), b, { mode: 0o644 });
  }
  return dir;
}

/** A huggingface_hub cache: blobs by sha256, snapshot entries as relative symlinks to them. */
function writeHfCache(cache: string, repoId: string, files: Record<string, Buffer>, ref = COMMIT): void {
  fs.chmodSync(cache, 0o755);
  const repoDir = path.join(cache, `models--${repoId.replace('/', '--')}`);
  fs.mkdirSync(path.join(repoDir, 'blobs'), { recursive: true });
  fs.mkdirSync(path.join(repoDir, 'refs'), { recursive: true });
  for (const [rel, b] of Object.entries(files)) {
    const blob = path.join(repoDir, 'blobs', sha256(b));
    fs.writeFileSync(blob, b, { mode: 0o644 });
    const link = path.join(repoDir, 'snapshots', COMMIT, rel);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(link), blob), link); // ../../blobs/<sha256>
  }
  fs.writeFileSync(path.join(repoDir, 'refs', 'main'), ref); // no newline, as huggingface_hub writes it
}

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a container to its exit (bounded: a server that wrongly starts fails the test). */
async function runToExit(opts: Omit<FixtureOptions, 'area'>, timeoutMs = 20_000): Promise<Exit> {
  const c = await runFixture({ area: AREA, ...opts });
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(async () => rej(new Error(`container still running after ${timeoutMs} ms; logs:\n${(await c.logs()).slice(-2000)}`)), timeoutMs);
    });
    const { StatusCode } = await Promise.race([c.container.wait(), timeout]).finally(() => clearTimeout(timer));
    const read = async (stderr: boolean) => demux((await c.container.logs({ stdout: !stderr, stderr, follow: false })) as unknown as Buffer);
    return { code: StatusCode, stdout: await read(false), stderr: await read(true) };
  } finally {
    await c.remove();
  }
}

describe('fixture image: model-server stand-ins check the weights they are given', () => {
  const dirs: TempDir[] = [];
  const mk = (prefix: string) => {
    const t = tmpDir(`berth-fxw-${prefix}-`);
    dirs.push(t);
    return t.dir;
  };
  let good: string;
  let hf: string;
  let hfHome: string;
  let stub: string;
  let small: Record<string, Buffer>;

  beforeAll(() => {
    // One model dir with a 24 MiB shard (streamed hashing), shared read-only by the runs.
    good = writeFiles(mk('good'), modelFiles(24));
    small = modelFiles(0.0625);
    hf = mk('hf');
    writeHfCache(hf, NEMOTRON, small);
    hfHome = mk('hf-home');
    fs.chmodSync(hfHome, 0o755);
    fs.mkdirSync(path.join(hfHome, 'hub'));
    writeHfCache(path.join(hfHome, 'hub'), 'org/model', small);
    // Berth puts truss-transfer-cli in every container; here a stub stands in for it.
    stub = path.join(mk('bin'), 'truss-transfer-cli');
    fs.writeFileSync(stub, '#!/bin/sh\necho "truss-transfer-cli stub: nothing to fetch"\n', { mode: 0o755 });
  });
  afterAll(async () => {
    await removeContainersByLabel(testLabels(AREA));
    for (const d of dirs) d.cleanup();
  });

  // Each real start_command, unchanged, with the model where the config puts it.
  const cases = [
    { file: '11-embeddings-reranker-classification-tensorrt_TEI-baai-bge-reranker-large.yaml', port: 7997, model: '/app/model_cache/cached_model', served: '/app/model_cache/cached_model', files: 3 },
    { file: 'qwen_qwen-3-30B-A3-sglang.yaml', port: 8000, model: '/app/model_cache/qwen3', served: 'Qwen/Qwen3-30B-A3B', files: 3 },
    { file: 'nemotron_Llama-3-1-Nemotron-Nano-VL-8B-V1.yaml', port: 8000, model: NEMOTRON, served: 'llama-3-1-nemotron-nano-vl-8b-v1', files: 3, hf: true, user: '1234' },
    { file: 'minimax_minimax-m2.5.yaml', port: 8000, model: '/models/MiniMax-M2.5', served: 'MiniMaxAI/MiniMax-M2.5', files: 3 },
    { file: 'deepseek_deepseek-v3.2-vllm.yaml', port: 8000, model: '/models/DeepSeek-V3.2-NVFP4', served: 'deepseek-ai/DeepSeek-V3.2', files: 3 },
    { file: 'qwen_qwen-3.5-9b.yaml', port: 8000, model: '/app/checkpoint/qwen3.5-9b', served: 'Qwen/Qwen3.5-9B', files: 3, user: '1000' },
  ];
  it.each(cases)('$file: the start_command passes the check and serves', async (c) => {
    const cmd = startCommand(c.file);
    const fx = await runFixture({
      area: AREA,
      cmd: ['sh', '-c', cmd],
      user: c.user,
      containerPort: c.port,
      env: c.hf ? { HF_HUB_CACHE: '/hf-cache' } : undefined,
      binds: [c.hf ? `${hf}:/hf-cache:ro` : `${good}:${c.model}:ro`, `${stub}:/usr/local/bin/truss-transfer-cli:ro`],
    });
    try {
      const logs = await fx.waitForLog(new RegExp(`FIXTURE_MODEL_CHECK ok ${c.model.replace(/[.]/g, '\\.')} ${c.files} files verified`), 20_000);
      await waitForHttp(`${fx.url}/health`, { timeoutMs: 15_000, intervalMs: 50 });
      const models = await getJson(`${fx.url}/v1/models`);
      expect(models.body.data[0].id).toBe(c.served);
      expect(logs).not.toMatch(/FIXTURE_MODEL_CHECK failed/);
      if (/truss-transfer-cli &&/.test(cmd)) expect(logs).toMatch(/truss-transfer-cli stub/);
    } finally {
      await fx.remove();
    }
  });

  it('refuses a wrong sha256, a missing required file, a present absent-file, a dangling symlink, no config.json, an unreadable dir (exit 3, never listens)', async () => {
    const variant = (name: string, edit: (dir: string) => void) => {
      const dir = writeFiles(mk(name), small);
      edit(dir);
      return dir;
    };
    const wrongSha = variant('sha', (d) => {
      const p = path.join(d, 'model-00002-of-00002.safetensors');
      const b = fs.readFileSync(p);
      b[100] ^= 0xff; // same size, different content
      fs.writeFileSync(p, b);
    });
    const missing = variant('missing', (d) => fs.rmSync(path.join(d, 'tokenizer.json')));
    const present = variant('absent', (d) => {
      fs.mkdirSync(path.join(d, 'original'));
      fs.writeFileSync(path.join(d, 'original/consolidated.00.pth'), 'x');
    });
    const outside = mk('outside');
    fs.writeFileSync(path.join(outside, 'tokenizer.json'), small['tokenizer.json']);
    const dangling = variant('dangling', (d) => {
      fs.rmSync(path.join(d, 'tokenizer.json'));
      fs.symlinkSync(path.join(outside, 'tokenizer.json'), path.join(d, 'tokenizer.json')); // a host path
    });
    const noConfig = variant('noconfig', (d) => fs.rmSync(path.join(d, 'config.json')));
    // Owned by root (this suite runs as root), mode 0700: uid 1000 may not read it.
    const unreadable = variant('unreadable', (d) => fs.chmodSync(d, 0o700));
    const run = (dir: string, user?: string) => runToExit({ cmd: ['vllm', 'serve', '/m', '--port', '8000'], user, binds: [`${dir}:/m:ro`] });
    const [a, b, c, d, e, f] = await Promise.all([run(wrongSha), run(missing), run(present), run(dangling), run(noConfig), run(unreadable, '1000')]);
    const fail = (r: Exit, why: RegExp) => {
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`^FIXTURE_MODEL_CHECK failed /m: .*${why.source}`, 'm'));
      expect(r.stdout).not.toMatch(/listening on|FIXTURE_MODEL_CHECK ok/);
    };
    fail(a, /model-00002-of-00002\.safetensors has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
    fail(b, /tokenizer\.json is missing/);
    fail(c, /original\/consolidated\.00\.pth must be absent but exists/);
    fail(d, new RegExp(`tokenizer\\.json is a symlink to ${outside}/tokenizer\\.json, which does not resolve inside the container`));
    fail(e, /\/m\/config\.json is missing/);
    if (process.getuid?.() === 0) fail(f, /\/m\/config\.json cannot be read \(uid 1000\): EACCES/);
  });

  it('looks repo ids up in the HF cache: HF_HOME/hub as non-root, refs/main read verbatim, absent repos named', async () => {
    const badRef = mk('hf-badref');
    writeHfCache(badRef, 'org/model', small, `${COMMIT}\n`);
    const [home, newline, notCached] = await Promise.all([
      // HF_HOME/hub, uid 1000, vllm's entrypoint module; exits via FIXTURE_CRASH_AFTER_S once served.
      runToExit({
        cmd: ['sh', '-c', 'python3 -m vllm.entrypoints.openai.api_server --model org/model --port=8001'],
        user: '1000',
        env: { HF_HOME: '/hf-home', FIXTURE_CRASH_AFTER_S: '0.3', FIXTURE_CRASH_CODE: '0' },
        binds: [`${hfHome}:/hf-home:ro`],
      }),
      runToExit({ cmd: ['vllm', 'serve', 'org/model'], env: { HF_HUB_CACHE: '/c' }, binds: [`${badRef}:/c:ro`] }),
      runToExit({ cmd: ['text-embeddings-router', '--model-id', 'BAAI/bge-small-en-v1.5'], env: { HF_HUB_CACHE: '/c' }, binds: [`${hf}:/c:ro`] }),
    ]);
    expect(home.code, home.stderr).toBe(0);
    expect(home.stdout).toMatch(/^FIXTURE_MODEL_CHECK ok org\/model 3 files verified$/m);
    expect(home.stdout).toMatch(/listening on 0\.0\.0\.0:8001 model=org\/model/);
    expect(newline.code).toBe(3);
    expect(newline.stderr).toMatch(/FIXTURE_MODEL_CHECK failed org\/model: .*refs\/main holds ".*\\n": a ref must be the bare commit hash/);
    expect(notCached.code).toBe(3);
    expect(notCached.stderr).toMatch(/FIXTURE_MODEL_CHECK failed BAAI\/bge-small-en-v1\.5: not in the Hugging Face cache \/c \(from HF_HUB_CACHE\): \/c\/models--BAAI--bge-small-en-v1\.5 does not exist/);
  });

  it('parses the real flag spellings and defaults; bash -c works; unknown commands exit 2', async () => {
    const script = [
      // Each server exits once served (FIXTURE_CRASH_AFTER_S), so the defaults can be read.
      'vllm serve /m --served_model_name=a & ',
      'python3 -u -m sglang.launch_server --model_path=/m --tp 2 & ',
      'text-embeddings-router --model-id=/m --served-model-name emb --auto-truncate & ',
      'wait; ',
      'bash -c "echo one && echo two"; echo "bash=$?"; bash -c "exit 7"; echo "bash=$?"; bash -c \'echo "$0 $1"\' a b; ',
      'python3 model.py; echo "python3=$?"; vllm bench throughput; echo "vllm=$?"; vllm serve /m --port nope; echo "port=$?"',
    ].join('');
    const r = await runToExit({
      cmd: ['sh', '-c', script],
      env: { FIXTURE_CRASH_AFTER_S: '0.5', FIXTURE_CRASH_CODE: '0' },
      binds: [`${good}:/m:ro`],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/FIXTURE_MODEL_CHECK ok \/m 3 files verified/g)).toHaveLength(3);
    expect(r.stdout).toMatch(/listening on 0\.0\.0\.0:8000 model=a$/m); // vLLM: all interfaces, 8000
    expect(r.stdout).toMatch(/listening on 127\.0\.0\.1:30000 model=\/m$/m); // SGLang: 127.0.0.1:30000, name = model
    expect(r.stdout).toMatch(/listening on 0\.0\.0\.0:80 model=emb$/m); // TEI: port 80
    expect(r.stdout).toMatch(/^one\ntwo\nbash=0\nbash=7\na b\n/m);
    expect(r.stdout).toMatch(/python3=2\nvllm=2\nport=2/);
    expect(r.stderr).toMatch(/this stand-in only knows `python3 -m vllm\.entrypoints\.openai\.api_server` and `python3 -m sglang\.launch_server`/);
    expect(r.stderr).toMatch(/only knows `vllm serve MODEL \[flags\]`/);
    expect(r.stderr).toMatch(/argument --port: invalid int value: 'nope'/);
  });
});
