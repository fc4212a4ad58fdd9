// The new-config wizard's YAML, for every server and task it offers: it parses without
// errors, plans on a machine with the GPUs it asks for (and on a CPU run), its example input
// fits its predict path, and the fit estimate finds the model it was written for.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SERVERS, serverById } from '../../../shared/servers.js';
import { parseStartCommand } from '../../../shared/fit/command.js';
import { WIZARD_SERVERS, wizardConfigYaml, wizardTasks, type WizardInput } from '../../../shared/wizard/config-yaml.js';
import { parseAndPlan } from '../catalog/support.js';

const base = (over: Partial<WizardInput>): WizardInput => ({
  server: 'vllm', task: 'chat', modelName: 'My model', repoId: 'Qwen/Qwen2.5-0.5B-Instruct', revision: '7ae557604adf67be50417f59c2c2f167def9a775',
  accelerator: 'L4', gpuCount: 1, secrets: [], ...over,
});

describe('every built-in server and task', () => {
  for (const s of SERVERS) {
    for (const task of wizardTasks(s.id)) {
      it(`${s.id} ${task}`, () => {
        const input = base({ server: s.id, task, ggufFile: s.id === 'llamacpp' ? 'qwen2.5-0.5b-instruct-q4_k_m.gguf' : undefined });
        const r = wizardConfigYaml(input);
        expect(r.problems).toEqual([]);
        const { config, plan, model } = parseAndPlan(r.yaml!);
        expect(config.base_image?.image).toBe(s.recipe.image);
        expect(config.docker_server?.server_port).toBe(s.recipe.port);
        expect(config.docker_server?.predict_endpoint).toBe(s.recipe.predict[task as 'chat']);
        expect(plan.gpu?.deviceIds.length).toBe(1);
        // The fit estimate reads the command back with the same table.
        const call = parseStartCommand(config.docker_server!.start_command!).call;
        expect(call?.server.id).toBe(s.id);
        expect(model.ok && model.model.repoId).toBe('Qwen/Qwen2.5-0.5B-Instruct');
        expect(model.ok && model.model.revision).toBe(input.revision);
        if (s.id === 'llamacpp') expect(model.ok && model.model.file).toBe('qwen2.5-0.5b-instruct-q4_k_m.gguf');
        const meta = parseYaml(r.yaml!).model_metadata;
        if (task !== 'rerank') expect(meta.example_model_input.model).toBe('qwen2.5-0.5b-instruct');
      });
    }
  }
});

describe('choices', () => {
  it('two GPUs: TYPE:2 and the server splits the model', () => {
    const r = wizardConfigYaml(base({ accelerator: 'H100', gpuCount: 2 }));
    const { config, plan } = parseAndPlan(r.yaml!);
    expect(config.resources?.accelerator).toMatchObject({ type: 'H100', count: 2 });
    expect(plan.gpu?.deviceIds.length).toBe(2);
    expect(config.docker_server?.start_command).toContain('--tensor-parallel-size 2');
  });
  it('no GPU: the CPU image where the project has one, no accelerator, llama.cpp without -ngl', () => {
    const r = wizardConfigYaml(base({ server: 'llamacpp', accelerator: null, gpuCount: 0, ggufFile: 'm.gguf' }));
    const { config } = parseAndPlan(r.yaml!, { cpuOnly: true });
    expect(config.base_image?.image).toBe(serverById('llamacpp').recipe.cpuImage);
    expect(config.resources?.accelerator ?? null).toBeNull();
    expect(config.docker_server?.start_command).not.toContain('-ngl');
  });
  it('a gated repo declares hf_access_token and the weights use it', () => {
    const r = wizardConfigYaml(base({ repoId: 'meta-llama/Llama-3.1-8B-Instruct', secrets: ['hf_access_token'] }));
    const { config } = parseAndPlan(r.yaml!);
    expect(config.secrets).toEqual(['hf_access_token']);
    expect(parseYaml(r.yaml!).model_cache[0].runtime_secret_name).toBe('hf_access_token');
  });
  it('a custom image with its own command and paths', () => {
    const r = wizardConfigYaml(base({ server: 'custom', task: 'predict', repoId: null, image: 'ghcr.io/acme/server:1.2.3', startCommand: 'python3 serve.py --port 9000', port: 9000, predictEndpoint: '/predict', readinessEndpoint: '/ready', livenessEndpoint: '/alive' }));
    const { config, model } = parseAndPlan(r.yaml!);
    expect(config.docker_server).toMatchObject({ server_port: 9000, predict_endpoint: '/predict', readiness_endpoint: '/ready', liveness_endpoint: '/alive' });
    expect(config.model_cache ?? []).toEqual([]);
    expect(model.ok).toBe(false);
  });
  it('all six servers are offered', () => {
    expect(WIZARD_SERVERS).toEqual(['vllm', 'sglang', 'tei', 'infinity', 'llamacpp', 'custom']);
  });
});

describe('bad input says what to do', () => {
  const cases: Array<[Partial<WizardInput>, RegExp]> = [
    [{ repoId: 'not a repo' }, /org\/name/],
    [{ repoId: null }, /repo id/],
    [{ modelName: ' ' }, /model name/],
    [{ server: 'llamacpp' }, /GGUF/],
    [{ server: 'tei', task: 'chat' }, /does not serve 'chat'/],
    [{ accelerator: 'RTX4090' }, /accelerator type/],
    [{ gpuCount: 0 }, /GPU count/],
    [{ secrets: ['bad name'] }, /Secret name/],
    [{ revision: 'main; rm -rf /' }, /revision/],
    [{ server: 'custom', task: 'predict', image: 'acme/server:latest', startCommand: 'x', port: 80, predictEndpoint: '/p', readinessEndpoint: '/r', livenessEndpoint: '/l' }, /Pin the image/],
    [{ server: 'custom', task: 'predict', image: 'acme/server:1', startCommand: '', port: 0, predictEndpoint: 'p', readinessEndpoint: '/r', livenessEndpoint: '/l' }, /command[\s\S]*port[\s\S]*predict path/],
  ];
  for (const [over, re] of cases) {
    it(JSON.stringify(over), () => {
      const r = wizardConfigYaml(base(over));
      expect(r.yaml).toBeNull();
      expect(r.problems.join(' ')).toMatch(re);
    });
  }
});
