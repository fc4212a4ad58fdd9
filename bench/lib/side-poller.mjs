// A tight /health poller run by the benchmark beside Berth's own prober. The fixture logs
// FIXTURE_READY_AT at the FIRST 200 it answers to anyone; with only Berth polling, that
// first 200 would be Berth's own probe and the measure would leave out Berth's poll
// interval. Polling every few ms makes FIXTURE_READY_AT mark when the server really
// became ready (to within this poller's interval).
import http from 'node:http';
import { docker } from './trusses.mjs';
import { sleep } from './common.mjs';

/** The host port (127.0.0.1) the container publishes for `containerPort`. */
export async function publishedPort(containerId, containerPort = 8000) {
  const info = await docker.getContainer(containerId).inspect();
  const b = info.NetworkSettings?.Ports?.[`${containerPort}/tcp`]?.find((p) => p.HostIp === '127.0.0.1' || p.HostIp === '');
  if (!b) throw new Error(`container ${containerId.slice(0, 12)} publishes no port for ${containerPort}/tcp`);
  return Number(b.HostPort);
}

function getStatus(port, path, agent, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/**
 * Polls GET `path` every `intervalMs` until a 200; resolves with the epoch ms of the 200
 * (when its response arrived). Bounded by `timeoutMs`.
 */
export async function pollUntil200(port, { path = '/health', intervalMs = 5, timeoutMs = 30_000, requestTimeoutMs = 1000 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const end = Date.now() + timeoutMs;
  try {
    while (Date.now() < end) {
      const t = Date.now();
      const status = await getStatus(port, path, agent, requestTimeoutMs);
      if (status === 200) return Date.now();
      await sleep(Math.max(0, intervalMs - (Date.now() - t)));
    }
    throw new Error(`127.0.0.1:${port}${path} gave no 200 within ${timeoutMs} ms`);
  } finally {
    agent.destroy();
  }
}
