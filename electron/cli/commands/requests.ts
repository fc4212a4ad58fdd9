// `berth requests PATH|ID`: the request history a deployment's gateway recorded (read from
// the files it keeps under the data dir, whichever Berth process runs it), as a table or
// JSONL; -f follows new requests as they come.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RequestRecord } from '../../../shared/requests.js';
import { filterRecords, readHistoryFiles } from '../../engine/gateway/history/request-log.js';
import { berthHome } from '../../engine/paths.js';
import { resolveDeploymentRef } from '../deployment-ref.js';

const USAGE = `usage: berth requests PATH|ID [-f] [--json] [-n N] [--status 2xx|429|...] [--route TEXT] [--kind http|ws]

Prints the requests a deployment's Berth gateway answered: time, status, method and route,
latency, TTFT (streams), tokens in/out (from the server's usage, or counted chunks: marked ~),
bytes, client and request id. WebSocket sessions show as WS, one line per session when it
ends: its length, messages in/out and close code. Credentials and secret values are never
recorded.

options:
  -f, --follow    keep printing new requests until Ctrl-C
  --json          one JSON record a line (JSONL), bodies included when captured
  -n N            the last N requests (default 50)
  --status S      only this status or class (200, 429, 5xx)
  --route TEXT    only routes containing TEXT
  --kind K        only HTTP requests (http) or WebSocket sessions (ws)
  -h, --help      show this help`;

function line(r: RequestRecord): string {
  const t = new Date(r.time).toISOString().slice(11, 23);
  // A WebSocket session: its length, and messages rather than tokens.
  if (r.kind === 'ws') {
    const msgs = r.ws ? `msgs ${r.ws.messagesIn}/${r.ws.messagesOut}${r.ws.closeCode !== null ? ` close ${r.ws.closeCode}` : ''}` : 'msgs -';
    return `${t} ${r.status} WS ${r.route} ${r.latencyMs.toFixed(1)}ms ${msgs} ${r.bytesIn}B/${r.bytesOut}B ${r.client ?? '-'} ${r.requestId ?? '-'}`;
  }
  const tok = r.tokensOut === null ? '-' : `${r.tokensIn ?? '?'}/${r.tokensSource === 'chunks' ? '~' : ''}${r.tokensOut}`;
  const ttft = r.ttftMs === null ? '' : ` ttft ${r.ttftMs.toFixed(0)}ms`;
  return `${t} ${r.status} ${r.method} ${r.route} ${r.latencyMs.toFixed(1)}ms${ttft} tok ${tok} ${r.bytesIn}B/${r.bytesOut}B ${r.client ?? '-'} ${r.requestId ?? '-'}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      follow: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      n: { type: 'string', short: 'n' },
      status: { type: 'string' },
      route: { type: 'string' },
      kind: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const limit = values.n === undefined ? 50 : Number(values.n);
  if (!Number.isInteger(limit) || limit < 1) {
    console.error(`berth requests: -n '${values.n}' is not a positive whole number.`);
    return 2;
  }
  if (values.status && !/^([1-5]xx|\d{3})$/i.test(values.status)) {
    console.error(`berth requests: --status '${values.status}' is not a status; use e.g. 200, 429 or 5xx.`);
    return 2;
  }
  if (values.kind !== undefined && values.kind !== 'http' && values.kind !== 'ws') {
    console.error(`berth requests: --kind '${values.kind}' is not a kind; use http or ws.`);
    return 2;
  }
  const dataDir = berthHome();
  const ref = await resolveDeploymentRef(positionals[0], dataDir);
  const dir = join(dataDir, 'requests');
  const print = (r: RequestRecord) => console.log(values.json ? JSON.stringify(r) : line(r));
  const filter = { status: values.status, route: values.route, kind: values.kind as 'http' | 'ws' | undefined };
  let records = filterRecords(readHistoryFiles(dir, ref.deploymentId), { ...filter, limit });
  if (records.length === 0 && !values.follow && !values.json) console.error(`No requests recorded for ${ref.deploymentId} yet (history: ${dir}).`);
  for (const r of records) print(r);
  if (!values.follow) return 0;
  let last = records.at(-1)?.seq ?? Math.max(0, ...readHistoryFiles(dir, ref.deploymentId).map((r) => r.seq));
  await new Promise<void>((resolve) => {
    // The gateway appends in batches (every 250 ms under load): polling the files is enough.
    const timer = setInterval(() => {
      const all = readHistoryFiles(dir, ref.deploymentId);
      // History cleared or a new data dir: start over from what is there.
      if (all.length && all[all.length - 1].seq < last) last = 0;
      records = filterRecords(all, { ...filter, afterSeq: last });
      for (const r of records) print(r);
      if (all.length) last = Math.max(last, all[all.length - 1].seq);
    }, 500);
    process.once('SIGINT', () => {
      clearInterval(timer);
      resolve();
    });
  });
  return 0;
}
