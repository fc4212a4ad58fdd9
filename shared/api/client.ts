// ApiClient: what the renderer calls. Nested by namespace (`api.deployments.start({id})`)
// plus a generic `call`. Both transports build it with buildApiClient from two primitives,
// so every command in the map exists on the client without hand-written glue.
import type { BerthErrorShape } from '../errors.js';
import type { CommandInput, CommandName, CommandOutput } from './commands.js';
import { COMMAND_NAMES } from './names.js';
import type { EventChannel, EventHandler } from './events.js';
import { isErrorShape, type ApiResponse } from './transport.js';

type NamespaceOf<K> = K extends `${infer NS}.${string}` ? NS : never;
type Method<K extends CommandName> = undefined extends CommandInput<K>
  ? (input?: CommandInput<K>) => Promise<CommandOutput<K>>
  : (input: CommandInput<K>) => Promise<CommandOutput<K>>;

export type ApiMethods = {
  [NS in NamespaceOf<CommandName>]: {
    [K in CommandName as K extends `${NS}.${infer M}` ? M : never]: Method<K>;
  };
};

export interface ApiEvents {
  /** Subscribes; returns the unsubscribe function (prefer it over off: it works across contextBridge). */
  on<C extends EventChannel>(channel: C, handler: EventHandler<C>): () => void;
  off<C extends EventChannel>(channel: C, handler: EventHandler<C>): void;
}

/** Commands reject with a BerthErrorShape-carrying ApiError (over contextBridge: a plain BerthErrorShape). */
export type ApiClient = ApiMethods &
  ApiEvents & {
    call<K extends CommandName>(name: K, input?: CommandInput<K>): Promise<CommandOutput<K>>;
  };

/** Error thrown by ApiClient methods built here; carries code and hint for the UI. */
export class ApiError extends Error implements BerthErrorShape {
  readonly code: BerthErrorShape['code'];
  readonly hint?: string;
  constructor(shape: BerthErrorShape) {
    super(shape.message);
    this.name = 'ApiError';
    this.code = shape.code;
    this.hint = shape.hint;
  }
}

export interface ClientTransport {
  /** Sends one command; resolves to the reply envelope (transport failures become error envelopes). */
  invoke(name: CommandName, input: unknown): Promise<ApiResponse<unknown>>;
  /** Subscribes to a channel; returns an unsubscribe function. */
  subscribe(channel: EventChannel, handler: (payload: unknown) => void): () => void;
}

export interface BuildOptions {
  /**
   * How a failure is thrown. Default: an ApiError. The Electron preload passes a function
   * returning the plain shape, because contextBridge drops custom fields of Error objects.
   */
  toThrown?: (e: BerthErrorShape) => unknown;
}

export function buildApiClient(transport: ClientTransport, opts: BuildOptions = {}): ApiClient {
  const toThrown = opts.toThrown ?? ((e: BerthErrorShape) => new ApiError(e));
  const call = async (name: CommandName, input?: unknown): Promise<unknown> => {
    const res = await transport.invoke(name, input);
    if (res && res.ok === true) return res.result;
    const error = res && res.ok === false && isErrorShape(res.error) ? res.error : { code: 'INTERNAL' as const, message: `'${name}' gave no reply.`, hint: 'Restart Berth; if it persists, report a bug.' };
    throw toThrown(error);
  };
  const client: Record<string, unknown> = {};
  for (const name of COMMAND_NAMES) {
    const dot = name.indexOf('.');
    const ns = name.slice(0, dot);
    const method = name.slice(dot + 1);
    const group = (client[ns] ??= {}) as Record<string, unknown>;
    group[method] = (input?: unknown) => call(name, input);
  }
  // Handlers are tracked here so off() works for callers that kept the same function.
  const subs = new Map<EventChannel, Map<Function, () => void>>();
  client.on = (channel: EventChannel, handler: (p: unknown) => void) => {
    const unsub = transport.subscribe(channel, handler);
    let m = subs.get(channel);
    if (!m) subs.set(channel, (m = new Map()));
    m.get(handler)?.();
    m.set(handler, unsub);
    return () => {
      if (m!.get(handler) === unsub) m!.delete(handler);
      unsub();
    };
  };
  client.off = (channel: EventChannel, handler: Function) => {
    const m = subs.get(channel);
    const unsub = m?.get(handler);
    if (unsub) {
      m!.delete(handler);
      unsub();
    }
  };
  client.call = call;
  return client as unknown as ApiClient;
}
