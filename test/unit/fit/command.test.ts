// Reading start commands as the shell does: quoting, sh -c wrapping, && chains, VAR=value
// prefixes and $(...) substitutions, and both spellings of flags.
import { describe, expect, it } from 'vitest';
import { flagValue, parseStartCommand, simpleCommands } from '../../../shared/fit/command.js';

describe('simpleCommands', () => {
  it('unwraps sh -c and splits chains', () => {
    expect(simpleCommands(`bash -c "truss-transfer-cli && text-embeddings-router --port 7997 --model-id /app/model_cache/m"`)).toEqual([
      ['truss-transfer-cli'],
      ['text-embeddings-router', '--port', '7997', '--model-id', '/app/model_cache/m'],
    ]);
  });
  it('drops VAR=value prefixes and $(...) substitutions', () => {
    const c = simpleCommands(`sh -c "HF_TOKEN=$(cat /secrets/hf_access_token) VLLM_X=1 vllm serve org/m --limit_mm_per_prompt 'image=4'"`);
    expect(c).toEqual([['vllm', 'serve', 'org/m', '--limit_mm_per_prompt', 'image=4']]);
  });
  it('keeps quoted JSON arguments whole and variables as written', () => {
    const c = simpleCommands(`vllm serve $MODEL --compilation-config '{"cudagraph_mode":"PIECEWISE"}' # comment`);
    expect(c).toEqual([['vllm', 'serve', '$MODEL', '--compilation-config', '{"cudagraph_mode":"PIECEWISE"}']]);
  });
  it('keeps a $(...) value as one word, so a flag set at run time reads as such', () => {
    expect(simpleCommands(`sh -c "vllm serve m --tensor-parallel-size $(nvidia-smi -L | wc -l) --x 1"`)).toEqual([['vllm', 'serve', 'm', '--tensor-parallel-size', '$(nvidia-smi -L | wc -l)', '--x', '1']]);
  });
  it('drops redirections, env -u and uv run', () => {
    expect(simpleCommands('vllm serve m 2>&1 > /tmp/log --port 8000')).toEqual([['vllm', 'serve', 'm', '--port', '8000']]);
    expect(simpleCommands('env -u CUDA_VISIBLE_DEVICES A=1 uv run vllm serve m')).toEqual([['vllm', 'serve', 'm']]);
  });
  it('reads -lc and exec', () => {
    expect(simpleCommands(`/bin/bash -lc 'exec python3 -m sglang.launch_server --model-path a/b'`)).toEqual([['python3', '-m', 'sglang.launch_server', '--model-path', 'a/b']]);
  });
});

describe('flagValue', () => {
  const argv = ['vllm', 'serve', 'm', '--max_model_len', '1024', '--gpu-memory-utilization=0.95', '--max-model-len', '2048'];
  it('reads _ and - spellings, = and space forms, last one wins', () => {
    expect(flagValue(argv, ['--max-model-len'])).toBe('2048');
    expect(flagValue(argv, ['--gpu-memory-utilization'])).toBe('0.95');
    expect(flagValue(argv, ['--tensor-parallel-size'])).toBeNull();
  });
});

describe('parseStartCommand', () => {
  it('finds each known server', () => {
    const cases: Array<[string, string]> = [
      ['vllm serve meta-llama/Meta-Llama-3.1-8B-Instruct --max-model-len 1024', 'vllm'],
      ['python3 -m vllm.entrypoints.openai.api_server --model /models/x', 'vllm'],
      ['python -m sglang.launch_server --model-path Qwen/Qwen3-30B-A3B --tp 2', 'sglang'],
      ['text-embeddings-router --model-id BAAI/bge-small-en-v1.5', 'tei'],
      ['infinity_emb v2 --model-id BAAI/bge-small-en-v1.5', 'infinity'],
      ['/app/llama-server -m /app/m.gguf -c 4096', 'llamacpp'],
    ];
    for (const [cmd, id] of cases) expect(parseStartCommand(cmd).call?.server.id, cmd).toBe(id);
    expect(parseStartCommand('python model.py').call).toBeNull();
  });
  it('notes huggingface-cli downloads that fill a local dir', () => {
    const p = parseStartCommand(`sh -c "huggingface-cli download g/m-gguf --local-dir /app/m && /app/llama-server -m /app/m/m.gguf"`);
    expect(p.downloads).toEqual([{ repoId: 'g/m-gguf', dir: '/app/m', revision: null }]);
    expect(p.call?.server.id).toBe('llamacpp');
  });
});
