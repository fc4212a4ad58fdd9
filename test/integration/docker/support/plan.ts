// RunPlan objects for engine-docker tests, built directly (the planner is tested elsewhere).
import { randomBytes } from 'node:crypto';
import type { RunPlan } from '../../../../shared/plan.js';
import { MODEL_SERVER_IMAGE } from '../../../helpers/docker.js';

export function testPlan(overrides: Partial<RunPlan> = {}): RunPlan {
  const id = `engine-docker-${randomBytes(4).toString('hex')}`;
  return {
    deploymentId: id,
    modelName: 'engine docker test',
    configPath: `/tmp/${id}/config.yaml`,
    trussDir: `/tmp/${id}`,
    image: MODEL_SERVER_IMAGE,
    movingTag: false,
    build: null,
    runImage: MODEL_SERVER_IMAGE,
    entrypoint: ['sh', '-c', 'node /srv/model-server/server.mjs --port 8000'],
    env: {},
    secrets: [],
    dataMount: null,
    serverPort: 8000,
    gpu: null,
    user: null,
    shmSizeBytes: 64 * 1024 * 1024,
    nanoCpus: null,
    memoryBytes: null,
    hfCache: null,
    weights: [],
    weightsView: null,
    transferCli: null,
    labels: { 'berth.test': 'engine-docker' },
    probes: {
      readinessPath: '/health',
      livenessPath: '/health',
      periodMs: 10_000,
      startupPollMs: 200,
      startupThresholdS: 1800,
      stopTrafficThresholdS: 1800,
      restartThresholdS: 1800,
      restartCheckDelayS: 0,
    },
    gateway: { predictEndpoint: '/v1/chat/completions', transport: 'http', routes: [] },
    predictConcurrency: 1,
    warnings: [],
    planHash: randomBytes(8).toString('hex'),
    ...overrides,
  };
}
