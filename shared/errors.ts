// A failure the user can act on. `hint` says what to do; `code` lets the UI pick an icon
// or a link without parsing text. Stack traces never reach the user.
export type BerthErrorCode =
  | 'CONFIG_INVALID'
  | 'ENGINE_UNAVAILABLE'
  | 'ENGINE_PERMISSION'
  | 'GPU_UNAVAILABLE'
  | 'GPU_TOO_FEW'
  | 'GPU_RUNTIME_MISSING'
  | 'IMAGE_NOT_FOUND'
  | 'REGISTRY_UNREACHABLE'
  | 'IMAGE_PULL_FAILED'
  | 'REGISTRY_AUTH'
  | 'BUILD_FAILED'
  | 'PORT_IN_USE'
  | 'SECRET_MISSING'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'CONTAINER_FAILED'
  | 'WEIGHTS_GATED'
  | 'WEIGHTS_NOT_FOUND'
  | 'WEIGHTS_UNREACHABLE'
  | 'WEIGHTS_DISK_FULL'
  | 'WEIGHTS_FAILED'
  | 'FIT_UNKNOWN'
  | 'INTERNAL';

export interface BerthErrorShape {
  code: BerthErrorCode;
  message: string;
  hint?: string;
}

export class BerthError extends Error implements BerthErrorShape {
  readonly code: BerthErrorCode;
  readonly hint?: string;
  constructor(code: BerthErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'BerthError';
    this.code = code;
    this.hint = hint;
  }
  toJSON(): BerthErrorShape {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** Turns anything thrown into a shape safe to show: known errors keep their text and hint. */
export function toErrorShape(err: unknown): BerthErrorShape {
  if (err instanceof BerthError) return err.toJSON();
  if (err && typeof err === 'object' && 'code' in err && 'message' in err && typeof (err as BerthErrorShape).message === 'string') {
    const e = err as BerthErrorShape;
    if (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code)) return { code: e.code as BerthErrorCode, message: e.message, hint: e.hint };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}
