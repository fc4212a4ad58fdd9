// Finding the model of a config: the start command's argument, mapped through weights mounts
// and downloads to a repo, else the first weights entry; each real config gives one or a reason.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findModel } from '../../../shared/fit/find-model.js';
import { parseTrussConfig } from '../../../shared/truss/parse.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = path.resolve(repo, '../shared/conformance/truss-examples');
const conf = (f: string) => parseTrussConfig(readFileSync(path.join(dir, f), 'utf8'), f).config!;
const cfg = (start: string, extra = '') =>
  parseTrussConfig(`model_name: t\nbase_image:\n  image: vllm/vllm-openai:v0.10.1\ndocker_server:\n  start_command: ${JSON.stringify(start)}\n  server_port: 8000\n  predict_endpoint: /v1/chat/completions\n  readiness_endpoint: /health\n  liveness_endpoint: /health\n${extra}`, 'config.yaml').config!;

describe('findModel', () => {
  it('reads vllm serve M', () => {
    const r = findModel(cfg('vllm serve meta-llama/Meta-Llama-3.1-8B-Instruct --max-model-len 1024'));
    expect(r.ok && r.model).toMatchObject({ repoId: 'meta-llama/Meta-Llama-3.1-8B-Instruct', revision: 'main', entry: null });
  });
  it('takes --revision from the command', () => {
    const r = findModel(cfg('vllm serve org/m --revision 0123456789abcdef0123456789abcdef01234567'));
    expect(r.ok && r.model.revision).toBe('0123456789abcdef0123456789abcdef01234567');
  });
  it('maps a model_cache mount path to its repo', () => {
    const r = findModel(conf('11-embeddings-reranker-classification-tensorrt_TEI-baai-bge-reranker-large.yaml'));
    expect(r.ok && r.model).toMatchObject({ repoId: 'BAAI/bge-reranker-large', entry: { key: 'model_cache', index: 0 } });
    expect(r.call?.server.id).toBe('tei');
  });
  it('maps a weights mount_location to its repo', () => {
    const r = findModel(conf('deepseek_deepseek-v3.2-vllm.yaml'));
    expect(r.ok && r.model).toMatchObject({ repoId: 'nvidia/DeepSeek-V3.2-NVFP4', entry: { key: 'weights' } });
  });
  it('maps a path filled by huggingface-cli download to its repo and file', () => {
    const r = findModel(conf('llama-cpp-server.yaml'));
    expect(r.ok && r.model).toMatchObject({ repoId: 'google/gemma-3-27b-it-qat-q4_0-gguf', file: 'gemma-3-27b-it-q4_0.gguf' });
  });
  it("finds vllm serve's positional model after options", () => {
    const r = findModel(cfg('vllm serve --host 0.0.0.0 --trust-remote-code org/m --port 8000'));
    expect(r.ok && r.model.repoId).toBe('org/m');
  });
  it('a model set at run time is named as such, not as a path', () => {
    const r = findModel(cfg('vllm serve $MODEL_ID'));
    expect(!r.ok && r.reason).toMatch(/vLLM \$MODEL_ID\) is set when the container starts/);
  });
  it("reads llama.cpp's -hf repo:QUANT", () => {
    const r = findModel(cfg('llama-server -hf unsloth/Qwen3-8B-GGUF:Q4_K_M -c 8192'));
    expect(r.ok && r.model).toMatchObject({ repoId: 'unsloth/Qwen3-8B-GGUF', quant: 'Q4_K_M' });
  });
  it('the minimax config: its tensor-parallel size is kept as the substitution', () => {
    const r = findModel(conf('minimax_minimax-m2.5.yaml'));
    expect(r.call?.argv).toContain('$(nvidia-smi -L | wc -l)');
  });
  it('says why for an unmounted path', () => {
    const r = findModel(cfg('vllm serve /opt/models/mine'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/\/opt\/models\/mine is a path in the image/);
  });
  it('says why for an unknown server', () => {
    const r = findModel(cfg('python model.py'));
    expect(!r.ok && r.reason).toMatch(/no model server Berth knows/);
  });
  it('gives every real config a model or a reason', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    let found = 0;
    for (const f of files) {
      const r = findModel(conf(f));
      if (r.ok) {
        found++;
        expect(r.model.repoId, f).toMatch(/^[\w.-]+\/[\w.-]+$/);
      } else expect(r.reason, f).toBeTruthy();
    }
    expect(found).toBeGreaterThanOrEqual(10);
  });
});
