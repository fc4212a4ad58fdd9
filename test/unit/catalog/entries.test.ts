// Every catalog entry is a complete, runnable truss: it parses without errors, plans on a
// machine with the GPUs it asks for (fake GPUs: there is none here) and on an explicit CPU
// run, its image and weights are pinned, the fit estimate finds its model at its pin, and it
// carries a request its server answers.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseStartCommand } from '../../../shared/fit/command.js';
import { weightsEntries } from '../../../shared/truss/weights.js';
import { listCatalog } from '../../../electron/engine/catalog/entries.js';
import { parseAndPlan } from './support.js';

const CATALOG = resolve(__dirname, '../../../resources/catalog');
const names = readdirSync(CATALOG, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('catalog entries', () => {
  it('cover the servers and kinds of model the catalog promises', async () => {
    const list = await listCatalog(CATALOG);
    expect(list.map((e) => e.name).sort()).toEqual(names);
    expect(list[0].server).toBe('vLLM');
    expect(new Set(list.map((e) => e.server))).toEqual(new Set(['vLLM', 'SGLang', 'Text Embeddings Inference', 'Infinity', 'llama.cpp server']));
    expect(list.filter((e) => e.server === 'vLLM').length).toBeGreaterThanOrEqual(3);
    expect(list.some((e) => e.secrets.includes('hf_access_token'))).toBe(true);
    expect(list.some((e) => e.tags.includes('multimodal'))).toBe(true);
    for (const e of list) expect(e.errors).toEqual([]);
  });

  for (const name of names) {
    describe(name, () => {
      const text = readFileSync(join(CATALOG, name, 'config.yaml'), 'utf8');
      const doc = parseYaml(text);

      it('parses and plans on its GPUs and on a CPU run', () => {
        const gpu = parseAndPlan(text, { dir: `/t/${name}` });
        expect(gpu.plan.gpu?.deviceIds.length).toBeGreaterThanOrEqual(1);
        expect(gpu.warnings.map((w) => w.message)).toEqual([]);
        const cpu = parseAndPlan(text, { dir: `/t/${name}`, cpuOnly: true });
        expect(cpu.plan.gpu?.deviceIds ?? []).toEqual([]);
      });

      it('pins its image to a version and its weights to a commit', () => {
        expect(doc.base_image.image).toMatch(/:[\w.-]*\d[\w.-]*$|@sha256:[0-9a-f]{64}$/);
        expect(doc.base_image.image).not.toMatch(/:latest$/);
        const { config } = parseAndPlan(text);
        const { entries, problems } = weightsEntries(config);
        expect(problems).toEqual([]);
        expect(entries.length).toBe(1);
        expect(entries[0].revision).toMatch(/^[0-9a-f]{40}$/);
      });

      it('names a model the fit estimate finds, at the pinned commit, fetched by model_cache', () => {
        const { config, model } = parseAndPlan(text);
        expect(model.ok).toBe(true);
        if (!model.ok) return;
        expect(model.model.repoId).toBe(doc.model_metadata.repo_id);
        expect(model.model.revision).toBe(doc.model_cache[0].revision);
        expect(model.model.entry?.key).toBe('model_cache');
        expect(parseStartCommand(config.docker_server!.start_command!).commands[0]).toEqual(['truss-transfer-cli']);
      });

      it('has an example input shaped for its predict path', () => {
        const input = doc.model_metadata.example_model_input;
        const p = doc.docker_server.predict_endpoint;
        if (p.endsWith('/chat/completions')) expect(input.messages.length).toBeGreaterThan(0);
        else if (p.endsWith('embeddings')) expect(input.input.length).toBeGreaterThan(0);
        else if (p === '/rerank') expect(input.query && (input.texts ?? input.documents).length).toBeTruthy();
        else throw new Error(`unexpected predict path ${p}`);
        // The served name in the command is the one the example asks for.
        if (input.model) expect(doc.docker_server.start_command).toMatch(new RegExp(`(--served-model-name|--alias) ${input.model.replace(/\./g, '\\.')}( |")`));
      });
    });
  }
});
