// Accelerator types Baseten accepts (case-sensitive) and their VRAM per GPU: the one table
// behind "the model may not fit" (shared/gpu.ts gpuMemoryWarning, for planner and ledger alike).
import { closest } from './suggest.js';

export const ACCELERATOR_TYPES = [
  'B10', 'T4', 'L4', 'A10G', 'V100', 'A100', 'A100_40GB', 'H100', 'H200', 'H100_40GB',
  'B200', 'L40S', 'RTX_PRO_6000', 'B300', 'GB300',
] as const;
export type AcceleratorType = (typeof ACCELERATOR_TYPES)[number];

/** GiB per GPU. Baseten's figures where published, else the vendor's; null when unknown. */
export const ACCELERATOR_VRAM_GIB: Record<AcceleratorType, number | null> = {
  B10: null,
  T4: 16,
  L4: 24,
  A10G: 24,
  V100: 16,
  A100: 80,
  A100_40GB: 40,
  H100: 80,
  H100_40GB: 40,
  H200: 141,
  B200: 180,
  L40S: 48,
  RTX_PRO_6000: 96,
  B300: 288,
  GB300: 288,
};

export interface AcceleratorSpec {
  type: AcceleratorType;
  count: number;
}

export type AcceleratorParse =
  | { ok: true; spec: AcceleratorSpec }
  | { ok: false; message: string; hint?: string; /** the problem is in the count, not the type */ inCount?: boolean };

export function isAcceleratorType(s: string): s is AcceleratorType {
  return (ACCELERATOR_TYPES as readonly string[]).includes(s);
}

function typeHint(t: string): string {
  const upper = t.toUpperCase();
  if (isAcceleratorType(upper)) return `did you mean ${upper}? Accelerator types are case-sensitive.`;
  const near = closest(t, ACCELERATOR_TYPES);
  if (near) return `did you mean ${near}? Valid types: ${ACCELERATOR_TYPES.join(', ')}.`;
  return `valid types: ${ACCELERATOR_TYPES.join(', ')}; write TYPE or TYPE:COUNT, e.g. H100:2.`;
}

export function checkAcceleratorType(t: string): AcceleratorParse {
  if (isAcceleratorType(t)) return { ok: true, spec: { type: t, count: 1 } };
  return { ok: false, message: `unknown accelerator type '${t}'`, hint: typeHint(t) };
}

export function parseCount(raw: unknown): number | null {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1) return raw;
  if (typeof raw === 'string' && /^[1-9]\d*$/.test(raw.trim())) return Number(raw.trim());
  return null;
}

/** `TYPE` or `TYPE:N`. */
export function parseAcceleratorString(s: string): AcceleratorParse {
  const text = s.trim();
  if (!text) return { ok: false, message: 'accelerator is empty', hint: 'write TYPE or TYPE:COUNT, e.g. H100 or H100:2, or remove the key for a CPU model.' };
  const parts = text.split(':');
  if (parts.length > 2) return { ok: false, message: `accelerator '${text}' has more than one ':'`, hint: 'write TYPE or TYPE:COUNT, e.g. H100:2.' };
  const [type, countText] = parts;
  const t = checkAcceleratorType(type.trim());
  if (!t.ok) return t;
  if (countText === undefined) return t;
  const count = parseCount(countText);
  if (count === null) {
    return { ok: false, inCount: true, message: `accelerator count '${countText}' is not a positive integer`, hint: `write ${t.spec.type}:1, ${t.spec.type}:2, ...` };
  }
  return { ok: true, spec: { type: t.spec.type, count } };
}

export function formatAccelerator(a: AcceleratorSpec): string {
  return a.count === 1 ? a.type : `${a.type}:${a.count}`;
}
