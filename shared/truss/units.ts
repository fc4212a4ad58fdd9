// Kubernetes-style quantities as Truss accepts them for resources.cpu and resources.memory.

const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const UNITS = { ...DECIMAL, ...BINARY };

export type QuantityParse<T> = { ok: true; value: T } | { ok: false; message: string; hint?: string };

const NUM = '(\\d+(?:\\.\\d+)?|\\.\\d+)';

/** Bytes, rounded up. Accepts a YAML number as bytes. */
export function parseMemory(raw: unknown): QuantityParse<number> {
  if (typeof raw === 'number') {
    if (Number.isFinite(raw) && raw > 0) return { ok: true, value: Math.ceil(raw) };
    return { ok: false, message: `memory ${raw} must be a positive size`, hint: 'write e.g. "2Gi" or "512Mi".' };
  }
  if (typeof raw !== 'string') return { ok: false, message: 'memory must be a string such as "2Gi"', hint: 'write e.g. memory: 16Gi' };
  const s = raw;
  const m = new RegExp(`^${NUM}([A-Za-z]*)$`).exec(s);
  if (m) {
    const unit = m[2];
    if (unit === '') return positive(Math.ceil(Number(m[1])), s);
    if (unit in UNITS) return positive(Math.ceil(Number(m[1]) * UNITS[unit]), s);
    return { ok: false, message: `memory '${s}' has an unknown unit '${unit}'`, hint: unitHint(m[1], unit) };
  }
  const spaced = new RegExp(`^\\s*${NUM}\\s+([A-Za-z]+)\\s*$`).exec(s);
  if (spaced) {
    const fixed = spaced[2] in UNITS ? `${spaced[1]}${spaced[2]}` : undefined;
    return { ok: false, message: `memory '${s}' has a space before the unit`, hint: fixed ? `write ${fixed} (no space).` : unitHint(spaced[1], spaced[2]) };
  }
  return { ok: false, message: `memory '${truncate(s)}' is not a size`, hint: 'write a number with an optional unit: k M G T P E (decimal) or Ki Mi Gi Ti Pi Ei (binary), e.g. 16Gi.' };
}

function positive(bytes: number, s: string): QuantityParse<number> {
  if (bytes > 0 && Number.isFinite(bytes)) return { ok: true, value: bytes };
  return { ok: false, message: `memory '${s}' must be greater than zero`, hint: 'write e.g. 2Gi.' };
}

function unitHint(num: string, unit: string): string {
  const u = unit.toLowerCase().replace(/b$/, '').replace(/ib$/, 'i');
  const letter = u[0]?.toUpperCase() === 'K' ? 'k' : u[0]?.toUpperCase();
  if (letter && `${letter}` in DECIMAL) {
    const bin = `${letter === 'k' ? 'K' : letter}i`;
    return `use ${num}${bin} (binary, ${bin}B) or ${num}${letter} (decimal); units are case-sensitive and have no 'B'.`;
  }
  return 'units: k M G T P E (decimal) or Ki Mi Gi Ti Pi Ei (binary), e.g. 16Gi.';
}

/** CPU cores as a number: "2.5" or "500m" (millicores). A YAML number is accepted too. */
export function parseCpu(raw: unknown): QuantityParse<number> {
  if (typeof raw === 'number') {
    if (Number.isFinite(raw) && raw > 0) return { ok: true, value: raw };
    return { ok: false, message: `cpu ${raw} must be greater than zero`, hint: 'write e.g. "2" or "500m".' };
  }
  if (typeof raw !== 'string') return { ok: false, message: 'cpu must be a string such as "2" or "500m"', hint: 'write e.g. cpu: "4"' };
  const m = new RegExp(`^${NUM}(m?)$`).exec(raw.trim());
  if (!m) {
    return { ok: false, message: `cpu '${truncate(raw)}' is not a CPU quantity`, hint: 'write cores as a decimal ("2.5") or millicores ("500m").' };
  }
  const v = m[2] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
  if (!(v > 0)) return { ok: false, message: `cpu '${raw}' must be greater than zero`, hint: 'write e.g. "1" or "500m".' };
  return { ok: true, value: v };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
