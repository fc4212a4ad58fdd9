// The fit estimate for one config on this machine: the model found in the config, its size
// and shape read from the Hub or the cache (never its weights), and the GPUs the deployment
// would get (the plan's own devices when it has them, else the shared placement algorithm).
import { toErrorShape } from '../../../shared/errors.js';
import { estimateMemory, type GpuFacts, type ModelFacts } from '../../../shared/fit/estimate.js';
import { findModel, type ModelRef } from '../../../shared/fit/find-model.js';
import { unknownEstimate, type MemoryEstimate } from '../../../shared/fit/types.js';
import { placeGpus, resolveGpuIds, type GpuInfo } from '../../../shared/gpu.js';
import type { RunPlan } from '../../../shared/plan.js';
import type { TrussConfig } from '../../../shared/truss/schema.js';
import type { WeightsContext } from '../weights/fetch-weights.js';
import { readModelFacts } from './read-model.js';

const MiB = 2 ** 20;

export interface FitContext {
  /** GPUs as nvidia-smi reports them (memory used by other processes included). */
  gpus: readonly GpuInfo[];
  holders?: ReadonlyMap<string, readonly string[]>;
  allowSharing?: boolean;
  /** An explicit CPU run: nothing to fit. */
  cpuOnly?: boolean;
  /** Devices the deployment itself holds while running: their used memory is its own, not counted. */
  ownDevices?: readonly string[];
  weights: WeightsContext;
  /** Facts already read, by repo@revision/file: the Hub is asked once per model per process. */
  cache?: Map<string, Promise<ModelFacts>>;
}

function gpusFor(config: TrussConfig, plan: RunPlan | null, ctx: FitContext): GpuInfo[] {
  const acc = config.resources?.accelerator;
  if (!acc) return [];
  if (plan?.gpu?.deviceIds.length) return resolveGpuIds(plan.gpu.deviceIds, ctx.gpus);
  const placed = placeGpus({ ask: { accelerator: acc.type, count: acc.count }, gpus: ctx.gpus, holders: ctx.holders ?? new Map(), allowSharing: !!ctx.allowSharing });
  // When placement fails (too few GPUs free), the estimate still compares with the GPUs there are.
  return placed.ok ? placed.gpus : [...ctx.gpus].slice(0, acc.count);
}

const toFacts = (g: GpuInfo): GpuFacts => ({ uuid: g.uuid, name: g.name, totalBytes: g.memoryTotalMiB * MiB, usedBytes: g.memoryUsedMiB * MiB });

function factsFor(m: ModelRef, ctx: FitContext): Promise<ModelFacts> {
  const key = `${m.repoId}@${m.revision}/${m.file ?? ''}/${m.entry ? `${m.entry.allowPatterns.join(',')}|${m.entry.ignorePatterns.join(',')}` : ''}`;
  const cached = ctx.cache?.get(key);
  if (cached) return cached.then((f) => ({ ...f, via: m.via }));
  const p = readModelFacts(m, ctx.weights);
  ctx.cache?.set(key, p);
  // A failed read is not kept: the next estimate asks again (the network may be back).
  p.catch(() => ctx.cache?.delete(key));
  return p;
}

export async function estimateConfigMemory(config: TrussConfig, plan: RunPlan | null, ctx: FitContext): Promise<MemoryEstimate> {
  const found = findModel(config);
  if (!found.ok) return unknownEstimate(`no model to estimate: ${found.reason}`, { server: found.call?.server.name ?? null });
  const named = { model: `${found.model.repoId}@${found.model.revision}`, modelVia: found.model.via, server: found.call?.server.name ?? null };
  if (ctx.cpuOnly) return unknownEstimate('an explicit CPU run: no GPU memory to fit', named);
  // Nothing to fit, so nothing to read from the Hub.
  if (!config.resources?.accelerator) return unknownEstimate('the config asks for no GPU (resources.accelerator): nothing to fit', named);
  let facts: ModelFacts;
  try {
    facts = await factsFor(found.model, ctx);
  } catch (err) {
    const e = toErrorShape(err);
    return unknownEstimate(`the model's size could not be read: ${e.message}`, {
      model: `${found.model.repoId}@${found.model.revision}`,
      modelVia: found.model.via,
      server: found.call?.server.name ?? null,
      suggestions: e.hint ? [e.hint] : [],
    });
  }
  const acc = config.resources?.accelerator ?? null;
  const own = new Set(resolveGpuIds(ctx.ownDevices ?? [], ctx.gpus).map((g) => g.uuid));
  const gpus = gpusFor(config, plan, ctx).map((g) => (own.has(g.uuid) ? { ...toFacts(g), usedBytes: 0 } : toFacts(g)));
  const estimate = estimateMemory({
    facts,
    call: found.call,
    gpus,
    accelerator: acc ? { type: acc.type, count: acc.count } : null,
    machineGpus: ctx.gpus.length,
  });
  if (own.size) estimate.approximations.push('running: the memory it holds on its GPUs is left out, so this is the estimate for a fresh start (another process on the same GPUs is left out too)');
  return estimate;
}
