// Gateway throughput and latency benchmark, side by side in one run against the same
// upstream (the fixture model server as a plain node process on 127.0.0.1):
//   (a) direct to the upstream, (b) through the Berth gateway (its own process, one
//   thread), (c) through nginx with worker_processes 1 (one core, like Node's one thread).
// Closed-loop max throughput with wrk, then a fixed 1,000 req/s paced client for the
// latency the gateway adds. Writes bench/results/gateway.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { bundleGateway } from './lib/gateway-bundle.mjs';
import { childPids, cpuMs, startFixture, startGatewayChild, stopAll } from './lib/procs.mjs';
import { nginxAvailable, startNginx } from './lib/nginx.mjs';
import { paced, wrk } from './lib/load.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PATH = '/v1/models';

const r2 = (x) => Math.round(x * 100) / 100;
const r3 = (x) => Math.round(x * 1000) / 1000;

async function main() {
  const t0 = Date.now();
  const bundle = await bundleGateway();
  const upstream = await startFixture();
  const gwChild = await startGatewayChild(bundle, upstream);
  const targets = {
    direct: `http://127.0.0.1:${upstream}${PATH}`,
    gateway: `http://127.0.0.1:${gwChild.port}/environments/production/sync${PATH}`,
  };
  // The proxy process whose CPU time per request is measured (machine-load independent).
  const proxyPid = { gateway: gwChild.pid };
  if (nginxAvailable()) {
    const ngx = await startNginx(upstream);
    targets.nginx = `http://127.0.0.1:${ngx.port}/environments/production/sync${PATH}`;
    await new Promise((r) => setTimeout(r, 200));
    proxyPid.nginx = childPids(ngx.child.pid)[0];
  } else console.log('nginx not found: the nginx baseline is skipped');

  // Warm up each path (JIT, keep-alive pools).
  for (const url of Object.values(targets)) await wrk(url, { connections: CONNECTIONS, seconds: 2 });

  // Rounds interleave the targets so drift on the shared machine hits all of them alike;
  // the best round of each is kept.
  const throughput = {};
  const cpuUsPerReq = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, url] of Object.entries(targets)) {
      const pid = proxyPid[name];
      const c0 = pid ? cpuMs(pid) : null;
      const r = await wrk(url, { connections: CONNECTIONS, seconds: SECONDS });
      const c1 = pid ? cpuMs(pid) : null;
      const us = c0 !== null && c1 !== null ? ((c1 - c0) * 1000) / (r.rps * SECONDS) : null;
      if (us !== null) cpuUsPerReq[name] = Math.min(cpuUsPerReq[name] ?? Infinity, us);
      console.log(`round ${round + 1} ${name.padEnd(8)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r2(r.p50)} ms  p99 ${r2(r.p99)} ms${us !== null ? `  proxy cpu ${us.toFixed(1)} us/req` : ''}${r.non2xx ? `  non-2xx ${r.non2xx}` : ''}`);
      if (!throughput[name] || r.rps > throughput[name].rps) throughput[name] = r;
    }
  }

  const fixed = {};
  for (const [name, url] of Object.entries(targets)) {
    fixed[name] = await paced(url, { rate: 1000, seconds: 5 });
    console.log(`1000 req/s ${name.padEnd(8)} p50 ${r3(fixed[name].p50)} ms  p90 ${r3(fixed[name].p90)} ms  p99 ${r3(fixed[name].p99)} ms  errors ${fixed[name].errors}`);
  }

  const result = {
    name: 'gateway',
    time: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    setup: {
      upstream: 'fixture model server (plain node process), GET /v1/models',
      loadGenerator: `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, best of ${ROUNDS} interleaved rounds`,
      nginx: 'worker_processes 1, proxy_http_version 1.1, upstream keepalive 64, proxy_buffering off',
      gateway: 'Berth Gateway in its own node process (one thread)',
    },
    throughput: Object.fromEntries(Object.entries(throughput).map(([k, v]) => [k, { rps: Math.round(v.rps), p50Ms: r3(v.p50), p99Ms: r3(v.p99), non2xx: v.non2xx }])),
    ratios: {
      gatewayOverNginx: throughput.nginx ? r3(throughput.gateway.rps / throughput.nginx.rps) : null,
      gatewayOverDirect: r3(throughput.gateway.rps / throughput.direct.rps),
      nginxOverDirect: throughput.nginx ? r3(throughput.nginx.rps / throughput.direct.rps) : null,
    },
    proxyCpuUsPerRequest: Object.fromEntries(Object.entries(cpuUsPerReq).map(([k, v]) => [k, r2(v)])),
    cpuEfficiencyGatewayOverNginx: cpuUsPerReq.nginx ? r3(cpuUsPerReq.nginx / cpuUsPerReq.gateway) : null,
    at1000rps: Object.fromEntries(Object.entries(fixed).map(([k, v]) => [k, { p50Ms: r3(v.p50), p90Ms: r3(v.p90), p99Ms: r3(v.p99), errors: v.errors }])),
    addedP50MsAt1000rps: {
      gateway: r3(fixed.gateway.p50 - fixed.direct.p50),
      nginx: fixed.nginx ? r3(fixed.nginx.p50 - fixed.direct.p50) : null,
    },
    targets: { gatewayOverNginx: 0.75, addedP50MsAt1000rps: 0.3 },
    durationS: Math.round((Date.now() - t0) / 1000),
  };
  result.met = {
    gatewayOverNginx: result.ratios.gatewayOverNginx === null ? null : result.ratios.gatewayOverNginx >= 0.75,
    addedP50: result.addedP50MsAt1000rps.gateway <= 0.3,
  };
  console.log(`\ngateway/nginx ${result.ratios.gatewayOverNginx}  gateway/direct ${result.ratios.gatewayOverDirect}  nginx/direct ${result.ratios.nginxOverDirect}`);
  console.log(`proxy CPU per request: gateway ${r2(cpuUsPerReq.gateway)} us, nginx ${r2(cpuUsPerReq.nginx)} us (nginx/gateway ${result.cpuEfficiencyGatewayOverNginx})`);
  console.log(`added p50 at 1000 req/s: gateway ${result.addedP50MsAt1000rps.gateway} ms, nginx ${result.addedP50MsAt1000rps.nginx} ms`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/gateway.json', JSON.stringify(result, null, 2) + '\n');
  console.log('wrote bench/results/gateway.json');
}

main()
  .catch((e) => {
    console.error(`gateway bench failed: ${e.message}`);
    process.exitCode = 1;
  })
  .finally(() => {
    stopAll();
    setTimeout(() => process.exit(), 200).unref();
  });
