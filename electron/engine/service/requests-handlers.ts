// requests.*: the gateway's request history of a deployment, read from the history the
// gateways of this process write (electron/engine/gateway/history).
import { BerthError } from '../../../shared/errors.js';
import type { CommandOutput, CommandParsed } from '../../../shared/api/index.js';
import type { RequestLogs } from '../gateway/history/request-log.js';

function logs(r: RequestLogs | undefined): RequestLogs {
  if (!r) throw new BerthError('BAD_REQUEST', 'This Berth has no request history.', 'Request history is kept by the gateways Berth opens; start a deployment first.');
  return r;
}

export function requestHandlers(history: RequestLogs | undefined) {
  return {
    'requests.list': async ({ id, ...filter }: CommandParsed<'requests.list'>): Promise<CommandOutput<'requests.list'>> => logs(history).for(id).list({ ...filter, limit: filter.limit ?? 500 }),
    'requests.get': async ({ id, key }: CommandParsed<'requests.get'>): Promise<CommandOutput<'requests.get'>> => {
      const r = logs(history).for(id).get(key);
      if (!r) throw new BerthError('NOT_FOUND', `No request ${key} in the history of ${id}.`, 'The history keeps the latest requests only; list them for their seq or request id.');
      return r;
    },
    'requests.export': async ({ id }: CommandParsed<'requests.export'>): Promise<CommandOutput<'requests.export'>> => {
      const list = logs(history).for(id).list();
      return { jsonl: list.map((r) => JSON.stringify(r)).join('\n') + (list.length ? '\n' : ''), filename: `${id}-requests.jsonl` };
    },
  };
}
