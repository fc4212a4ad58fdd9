// Temporary truss dirs for the engine benchmarks (fixture image, env knobs) and the
// clean-up of any container left from them.
import Docker from 'dockerode';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FIXTURE_IMAGE = 'berth-fixture/model-server:latest';
export const FIXTURE_CMD = 'node /srv/model-server/server.mjs --port 8000';
export const docker = new Docker();

/** A work dir for one benchmark; every truss config made in it lives below it. */
export function benchWorkDir(name) {
  return mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
}

export function writeTruss(workDir, modelName, env = {}) {
  const dir = path.join(workDir, modelName);
  mkdirSync(dir, { recursive: true });
  const envLines = Object.entries(env).map(([k, v]) => `  ${k}: "${v}"`);
  writeFileSync(
    path.join(dir, 'config.yaml'),
    [
      `model_name: ${modelName}`,
      'base_image:',
      `  image: ${FIXTURE_IMAGE}`,
      'docker_server:',
      `  start_command: ${FIXTURE_CMD}`,
      '  server_port: 8000',
      '  predict_endpoint: /predict',
      '  readiness_endpoint: /health',
      '  liveness_endpoint: /live',
      ...(envLines.length ? ['environment_variables:', ...envLines] : []),
      '',
    ].join('\n'),
  );
  return dir;
}

/** Fails with what to do when the fixture image is missing (it is built by `npm run fixtures`). */
export async function requireFixtureImage() {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`the Docker engine is not reachable (${err.code ?? err.message}): start it, or point DOCKER_HOST at it, then run the benchmark again.`);
  }
  try {
    await docker.getImage(FIXTURE_IMAGE).inspect();
  } catch {
    throw new Error(`the fixture image ${FIXTURE_IMAGE} is missing: run \`npm run fixtures\` first.`);
  }
}

/** Removes containers Berth created for configs under workDir, and ones carrying `label`. */
export async function removeBenchContainers(workDir, label) {
  if (!workDir) return; // nothing was set up, so nothing was created
  const all = await docker.listContainers({ all: true });
  for (const c of all) {
    const cfg = c.Labels?.['dev.berth.config-path'] ?? '';
    if ((workDir && cfg.startsWith(workDir)) || (label && c.Labels?.[label] !== undefined)) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    }
  }
}

export function removeWorkDir(workDir) {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}
