// The seed's own example for the fit estimate: Baseten's custom-server vLLM config serving
// Llama-3.1-8B-Instruct on an L4, with the context length under test.
export const SEED_LLAMA = 'meta-llama/Meta-Llama-3.1-8B-Instruct';

export function seedVllmConfig(maxLen: number, o: { modelName?: string; extra?: string } = {}): string {
  return `model_name: ${o.modelName ?? 'vllm-model-server'}
base_image:
  image: vllm/vllm-openai:v0.10.1
docker_server:
  start_command: sh -c "HF_TOKEN=$(cat /secrets/hf_access_token) vllm serve ${SEED_LLAMA} --max-model-len ${maxLen}"
  readiness_endpoint: /health
  liveness_endpoint: /health
  predict_endpoint: /v1/chat/completions
  server_port: 8000
resources:
  accelerator: L4
  use_gpu: true
secrets:
  hf_access_token: null
runtime:
  predict_concurrency: 128
${o.extra ?? ''}`;
}
