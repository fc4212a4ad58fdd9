// Stop during a pull cancels it (the pull is a task of the deployment; Stop cancels the
// deployment's tasks through their signal), on the real engine. The registry here answers
// the engine's version check and then never answers the manifest request, as a stalled
// registry or a slow link would: without cancellation the deployment would sit in
// `pulling` until the engine gave up.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineConnection } from '../../../electron/engine/docker/connection.js';
import type { EngineSupervisor } from '../../../electron/engine/supervisor/default-env.js';
import { tmpDir, type TempDir } from '../../helpers/tmp.js';
import { engineSupervisor, instanceContainers, removeInstance, waitForState, writeFastSettings } from './support.js';


let tmp: TempDir;
let dataDir: string;
let conn: EngineConnection;
let es: EngineSupervisor;
let stall: http.Server;
let manifestAsked = 0;
const hung = new Set<http.ServerResponse>();

beforeAll(async () => {
  stall = http.createServer((req, res) => {
    if (req.url === '/v2/' || req.url === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
      res.end('{}');
      return;
    }
    manifestAsked++;
    hung.add(res); // never answered
    res.on('close', () => hung.delete(res));
  });
  await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
  tmp = tmpDir('berth-cancel-pull-');
  dataDir = path.join(tmp.dir, 'home');
  writeFastSettings(dataDir);
  const made = await engineSupervisor(dataDir);
  es = made;
  conn = made.connection;
  await es.supervisor.init({ removeUnknown: true });
});

afterAll(async () => {
  await es?.supervisor.shutdown({ keepRunning: false });
  conn?.stop();
  await removeInstance(dataDir);
  for (const r of hung) r.destroy();
  await new Promise((r) => stall?.close(r));
  tmp?.cleanup();
});

describe('Stop cancels a pull in flight', () => {
  it('leaves pulling at once, ends the pull task as cancelled, creates no container', async () => {
    const port = (stall.address() as AddressInfo).port;
    const dir = path.join(tmp.dir, 'stalled');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.yaml'), [
      'model_name: stalled',
      'base_image:',
      `  image: 127.0.0.1:${port}/stall/model:1`,
      'docker_server:',
      '  start_command: node /srv/model-server/server.mjs --port 8000',
      '  server_port: 8000',
      '  predict_endpoint: /predict',
      '  readiness_endpoint: /health',
      '  liveness_endpoint: /health',
      '',
    ].join('\n'));
    const d = await es.supervisor.open(dir);
    void d.start();
    await waitForState(d, 'pulling', 10_000);
    // The engine has reached the registry: the pull is really in flight.
    const deadline = Date.now() + 20_000;
    while (manifestAsked === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(manifestAsked).toBeGreaterThan(0);
    expect(es.supervisor.tasks.list({ deployment: d.id }).map((t) => [t.kind, t.state])).toEqual([['pull', 'running']]);

    const t0 = Date.now();
    await d.stop();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(d.state.name).toBe('stopped');
    // The task settles once the engine's stream is closed.
    const until = Date.now() + 5_000;
    while (es.supervisor.tasks.list({ deployment: d.id })[0].state === 'running' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(es.supervisor.tasks.list({ deployment: d.id }).map((t) => [t.kind, t.state])).toEqual([['pull', 'cancelled']]);
    expect(await instanceContainers(dataDir)).toEqual([]);
    // Berth closed its pull stream; whether the engine drops its own registry request at
    // once is the engine's affair (this one keeps a stalled manifest request open).
  });
});
