// Lists bundled example truss dirs (resources/examples/<name>/config.yaml). A broken
// example is still listed, so the user sees its errors when opening it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ExampleInfo } from '../../../shared/api/index.js';

function acceleratorOf(doc: Record<string, unknown>): string | null {
  const r = doc.resources as Record<string, unknown> | undefined;
  const a = r?.accelerator;
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object' && typeof (a as { accelerator?: unknown }).accelerator === 'string') {
    const o = a as { accelerator: string; count?: number };
    return o.count && o.count > 1 ? `${o.accelerator}:${o.count}` : o.accelerator;
  }
  return null;
}

export async function listExamples(dir: string): Promise<ExampleInfo[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const out: ExampleInfo[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name, 'config.yaml');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    let doc: Record<string, unknown> = {};
    try {
      const d = parseYaml(text);
      if (d && typeof d === 'object') doc = d as Record<string, unknown>;
    } catch {
      // Listed anyway; opening it shows the positioned error.
    }
    const meta = (doc.model_metadata ?? {}) as Record<string, unknown>;
    const description = typeof doc.description === 'string' ? doc.description : typeof meta.example_model_input === 'string' ? '' : '';
    out.push({
      name,
      path,
      modelName: typeof doc.model_name === 'string' ? doc.model_name : name,
      description: description.trim(),
      accelerator: acceleratorOf(doc),
    });
  }
  return out;
}
