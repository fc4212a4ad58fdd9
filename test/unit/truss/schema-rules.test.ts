import { describe, expect, it } from 'vitest';
import { BASE, errors, parse, warnings, withExtra } from './helpers.js';

describe('docker_server', () => {
  it('accepts a minimal config and normalises it', () => {
    const r = parse(BASE);
    expect(r.issues).toEqual([]);
    expect(r.config?.docker_server?.server_port).toBe(8000);
    expect(r.config?.docker_server?.predict_endpoint).toBe('/predict');
  });

  it('coerces a numeric string server_port and rejects other strings with a position', () => {
    expect(parse(BASE.replace('server_port: 8000', 'server_port: "8000"')).config?.docker_server?.server_port).toBe(8000);
    const e = errors(BASE.replace('server_port: 8000', 'server_port: eighty'));
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 6, col: 16, path: 'docker_server.server_port' });
    expect(e[0].message).toMatch(/integer/);
  });

  it.each(['server_port', 'predict_endpoint', 'readiness_endpoint', 'liveness_endpoint'])('requires %s and points at docker_server', (key) => {
    const text = BASE.split('\n').filter((l) => !l.includes(`${key}:`)).join('\n');
    const e = errors(text);
    expect(e.map((i) => i.message)).toContain(`docker_server.${key} is required`);
    expect(e[0]).toMatchObject({ line: 4, col: 1 });
  });

  it('requires start_command unless no_build', () => {
    const text = BASE.replace(/ {2}start_command:.*\n/, '');
    expect(errors(text)[0].message).toMatch(/start_command is required/);
    expect(errors(text.replace('docker_server:\n', 'docker_server:\n  no_build: true\n'))).toEqual([]);
  });

  it('suggests the right key for a misspelled required key', () => {
    const e = errors(BASE.replace('start_command', 'start_comand'));
    expect(e[0].hint).toBe("found 'start_comand': did you mean start_command?");
    const w = warnings(BASE.replace('start_command', 'start_comand'));
    expect(w[0]).toMatchObject({ line: 5, col: 3 });
    expect(w[0].hint).toBe('did you mean start_command?');
  });

  it('rejects run_as_user_id 0 and 60000, accepts others', () => {
    for (const [uid, ok] of [[0, false], [60000, false], [1000, true], [-3, false]] as const) {
      const e = errors(BASE.replace('docker_server:\n', `docker_server:\n  run_as_user_id: ${uid}\n`));
      expect(e.length === 0).toBe(ok);
    }
  });

  it('keeps multi-line start commands and folds >', () => {
    const text = BASE.replace(/ {2}start_command:.*\n/, '  start_command: >\n    sh -c "a\n    b"\n');
    expect(parse(text).config?.docker_server?.start_command).toBe('sh -c "a b"\n');
    const lit = BASE.replace(/ {2}start_command:.*\n/, '  start_command: |\n    echo a\n    echo b\n');
    expect(parse(lit).config?.docker_server?.start_command).toBe('echo a\necho b\n');
  });

  it('warns about and fixes an endpoint without a leading slash', () => {
    const r = parse(BASE.replace('predict_endpoint: /predict', 'predict_endpoint: predict'));
    expect(r.config?.docker_server?.predict_endpoint).toBe('/predict');
    expect(r.issues[0]).toMatchObject({ severity: 'warning', line: 7 });
  });

  it('requires docker_server and reports a missing base_image.image', () => {
    expect(errors('model_name: x\nbase_image:\n  image: a/b:1\n')[0].message).toMatch(/no docker_server/);
    expect(errors(BASE.replace('  image: berth-fixture/model-server:latest\n', '  python_executable_path: /usr/bin/python3\n'))[0].message).toBe('base_image.image is required');
  });
});

describe('base_image', () => {
  it('accepts tags, digests and registries; rejects junk', () => {
    for (const ref of ['vllm/vllm-openai:v0.9.2', 'localhost:5000/x/y:1', 'us-docker.pkg.dev/p/r/img@sha256:' + 'a'.repeat(64), 'python:3.11-slim']) {
      expect(errors(BASE.replace('berth-fixture/model-server:latest', ref))).toEqual([]);
    }
    const e = errors(BASE.replace('berth-fixture/model-server:latest', 'Vllm/Vllm:1'));
    expect(e[0].hint).toMatch(/lowercase: vllm\/vllm:1/);
  });

  it('docker_auth auth_method is case-insensitive and normalised', () => {
    const r = parse(BASE.replace('base_image:\n', 'base_image:\n  docker_auth:\n    auth_method: aws_iam\n    registry: 1.dkr.ecr.us-east-1.amazonaws.com\n    secret_name: ecr\n'));
    expect(r.issues).toEqual([]);
    expect(r.config?.base_image?.docker_auth?.auth_method).toBe('AWS_IAM');
    const e = errors(BASE.replace('base_image:\n', 'base_image:\n  docker_auth:\n    auth_method: AWS_IAMM\n'));
    expect(e[0].hint).toMatch(/did you mean AWS_IAM/);
  });

  it('python_executable_path must be absolute', () => {
    expect(errors(BASE.replace('base_image:\n', 'base_image:\n  python_executable_path: python3\n'))[0].message).toMatch(/absolute/);
  });
});

describe('resources', () => {
  const acc = (v: string) => parse(withExtra(`resources:\n  accelerator: ${v}\n`));
  it('parses TYPE, TYPE:N and the mapping form', () => {
    expect(acc('H100').config?.resources?.accelerator).toEqual({ type: 'H100', count: 1 });
    expect(acc('B200:8').config?.resources?.accelerator).toEqual({ type: 'B200', count: 8 });
    expect(acc('{accelerator: L4, count: 2}').config?.resources?.accelerator).toEqual({ type: 'L4', count: 2 });
  });
  it('is case-sensitive with a hint, and checks the count', () => {
    const e = acc('h100').issues[0];
    expect(e).toMatchObject({ severity: 'error', line: 11, col: 16 });
    expect(e.hint).toMatch(/did you mean H100\?/);
    expect(acc('H10').issues[0].hint).toMatch(/did you mean H100|H200|T4/);
    expect(acc('H100:0').issues[0].message).toMatch(/positive integer/);
    expect(acc('H100:two').issues[0].message).toMatch(/positive integer/);
    expect(acc('H100:1:2').issues[0].severity).toBe('error');
    expect(acc('{accelerator: h200}').issues[0].hint).toMatch(/H200/);
  });
  it('accepts every documented type', () => {
    for (const t of ['B10', 'T4', 'L4', 'A10G', 'V100', 'A100', 'A100_40GB', 'H100', 'H200', 'H100_40GB', 'B200', 'L40S', 'RTX_PRO_6000', 'B300', 'GB300']) {
      expect(acc(t).issues).toEqual([]);
    }
  });

  const mem = (v: string) => parse(withExtra(`resources:\n  memory: ${v}\n`));
  it('memory: decimal and binary units, rounded up, with hints for common mistakes', () => {
    expect(mem('2Gi').config?.resources?.memory?.bytes).toBe(2 * 2 ** 30);
    expect(mem('1.5k').config?.resources?.memory?.bytes).toBe(1500);
    expect(mem('0.5Ki').config?.resources?.memory?.bytes).toBe(512);
    expect(mem('"1.0001"').config?.resources?.memory?.bytes).toBe(2);
    // Truss's memory is a string: a YAML number is refused, with the fix.
    const num = mem('2048').issues[0];
    expect([num.severity, num.message, num.hint]).toEqual(['error', 'resources.memory must be a string with a unit, got the number 2048 (Truss refuses a YAML number here)', 'write it with its unit, e.g. memory: "2048Mi" or memory: 16Gi']);
    expect(mem('3E').config?.resources?.memory?.bytes).toBe(3e18);
    const gb = mem('16gb').issues[0];
    expect(gb.severity).toBe('error');
    expect(gb.hint).toMatch(/16Gi .* 16G/);
    const spaced = mem('"16 Gi"').issues[0];
    expect(spaced.message).toMatch(/space/);
    expect(spaced.hint).toMatch(/16Gi/);
    expect(mem('lots').issues[0].severity).toBe('error');
    expect(parse(BASE).config?.resources).toBeUndefined();
  });
  it('cpu: decimal or millicores, default 1', () => {
    expect(parse(withExtra('resources:\n  cpu: "2.5"\n')).config?.resources?.cpu?.cores).toBe(2.5);
    expect(parse(withExtra('resources:\n  cpu: 500m\n')).config?.resources?.cpu?.cores).toBe(0.5);
    expect(parse(withExtra('resources:\n  memory: 1Gi\n')).config?.resources?.cpu?.cores).toBe(1);
    expect(errors(withExtra('resources:\n  cpu: 2 cores\n'))[0].hint).toMatch(/millicores/);
    // `cpu: 4` (a YAML integer) is refused by Truss, whose cpu is a string: positioned, with the fix.
    const int = errors(withExtra('resources:\n  cpu: 4\n'))[0];
    expect([int.message, int.hint, int.line]).toEqual(['resources.cpu must be a string, got the number 4 (Truss refuses a YAML number here)', 'quote it: cpu: "4"', 11]);
  });
  it('node_count > 1 and instance_type are not used locally (warnings)', () => {
    const w = warnings(withExtra('resources:\n  accelerator: H100\n  node_count: 2\n  instance_type: H100:8x80\n'));
    expect(w.map((i) => i.message).join('\n')).toMatch(/multi-node is out of scope locally/);
    expect(w.map((i) => i.message).join('\n')).toMatch(/instance_type is not used locally/);
  });
  it('use_gpu is derived, with a warning when it contradicts the accelerator', () => {
    expect(warnings(withExtra('resources:\n  use_gpu: true\n'))[0].message).toMatch(/no effect without an accelerator/);
    expect(warnings(withExtra('resources:\n  accelerator: L4\n  use_gpu: true\n'))).toEqual([]);
  });
});

describe('secrets and environment_variables', () => {
  it('secrets are a name -> null map; values are ignored with a warning that never echoes them', () => {
    const r = parse(withExtra('secrets:\n  hf_access_token: null\n  leaked: sk-very-secret\n'));
    expect(r.config?.secrets).toEqual(['hf_access_token', 'leaked']);
    const w = r.issues.find((i) => i.path === 'secrets.leaked')!;
    expect(w.severity).toBe('warning');
    expect(JSON.stringify(r.issues)).not.toContain('sk-very-secret');
    expect(errors(withExtra('secrets:\n  "../x": null\n'))[0].message).toMatch(/not usable as a file name/);
  });

  it('coerces values, drops null placeholders later, drops reserved names with a warning', () => {
    const r = parse(
      withExtra(
        'environment_variables:\n  A: true\n  B: 42\n  C: 1.5\n  D: null\n  HOST: x\n  PATH: /bin\n  REDIS_SERVICE_HOST: h\n  REDIS_SERVICE_PORT_HTTP: 1\n  KUBERNETES_X: y\n  K_SERVICE: s\n  K_REVISION: r\n  K_CONFIGURATION: c\n  PORT: "1"\n  HOSTNAME: h\n',
      ),
    );
    expect(r.config?.environment_variables).toEqual({ A: 'true', B: '42', C: '1.5', D: null, PORT: '1', HOSTNAME: 'h' });
    const msgs = r.issues.map((i) => i.message);
    for (const n of ['HOST', 'PATH', 'REDIS_SERVICE_HOST', 'REDIS_SERVICE_PORT_HTTP', 'KUBERNETES_X', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION']) {
      expect(msgs).toContain(`environment variable ${n} is reserved by the platform and is not passed to the container`);
    }
    expect(msgs.filter((m) => /set by the platform at runtime/.test(m))).toHaveLength(2);
    expect(r.issues.every((i) => i.severity === 'warning')).toBe(true);
  });

  it('rejects structured env values', () => {
    expect(errors(withExtra('environment_variables:\n  J: {a: 1}\n'))[0]).toMatchObject({ line: 11, path: 'environment_variables.J' });
  });
});

describe('requirements, build, data', () => {
  it('requirements and requirements_file are mutually exclusive', () => {
    expect(errors(withExtra('requirements: [a]\nrequirements_file: requirements.txt\n'))[0].message).toMatch(/mutually exclusive/);
    expect(errors(withExtra('requirements: []\nrequirements_file: requirements.txt\n'))).toEqual([]);
  });
  it('requirements_file stays inside the truss', () => {
    expect(errors(withExtra('requirements_file: ../x.txt\n'))[0].message).toMatch(/inside the truss/);
  });
  it('lists must be lists of strings', () => {
    expect(errors(withExtra('system_packages: ffmpeg\n'))[0].message).toMatch(/list of strings/);
    expect(errors(withExtra('build_commands:\n  - {a: 1}\n'))[0]).toMatchObject({ path: 'build_commands[0]', line: 11 });
  });
  it('external_data items need url and a relative local_data_path', () => {
    expect(errors(withExtra('external_data:\n  - url: https://x/y\n    local_data_path: w/y.bin\n'))).toEqual([]);
    expect(errors(withExtra('external_data:\n  - url: https://x/y\n'))[0].message).toBe('external_data[0].local_data_path is required');
    expect(errors(withExtra('external_data:\n  - url: https://x/y\n    local_data_path: /etc/x\n'))[0].severity).toBe('error');
  });
  it('no_build with build fields warns that they are ignored', () => {
    const w = warnings(BASE.replace('docker_server:\n', 'docker_server:\n  no_build: true\n') + 'system_packages: [ffmpeg]\n');
    expect(w[0].message).toMatch(/system_packages is ignored/);
  });
});

describe('runtime', () => {
  const rt = (y: string) => parse(withExtra(`runtime:\n${y}`));
  it('predict_concurrency must be a positive integer', () => {
    expect(rt('  predict_concurrency: 4\n').config?.runtime?.predict_concurrency).toBe(4);
    expect(rt('  predict_concurrency: 0\n').issues[0].severity).toBe('error');
    expect(parse(BASE).config?.runtime).toBeUndefined();
  });
  it('health check values must be 10..3000 or null', () => {
    for (const [v, ok] of [[9, false], [10, true], [3000, true], [3001, false], ['null', true], ['"x"', false]] as const) {
      const r = rt(`  health_checks:\n    startup_threshold_seconds: ${v}\n`);
      expect(r.issues.filter((i) => i.severity === 'error').length === 0).toBe(ok);
    }
  });
  it('restart_check_delay + restart_threshold <= 3000', () => {
    expect(rt('  health_checks:\n    restart_check_delay_seconds: 1800\n    restart_threshold_seconds: 1200\n').issues).toEqual([]);
    const e = rt('  health_checks:\n    restart_check_delay_seconds: 1800\n    restart_threshold_seconds: 1201\n').issues[0];
    expect(e).toMatchObject({ severity: 'error', path: 'runtime.health_checks.restart_threshold_seconds', line: 13 });
  });
  it('transport kinds, ping settings, legacy is_websocket_endpoint', () => {
    expect(rt('  transport:\n    kind: grpc\n').config?.runtime?.transport?.kind).toBe('grpc');
    expect(rt('  transport:\n    kind: ws\n').issues[0].hint).toBe('did you mean websocket?');
    expect(rt('  transport:\n    kind: websocket\n    ping_interval_seconds: 30\n    ping_timeout_seconds: null\n').issues).toEqual([]);
    expect(rt('  transport:\n    kind: websocket\n    ping_interval_seconds: -1\n').issues[0].severity).toBe('error');
    expect(rt('  is_websocket_endpoint: true\n  transport:\n    kind: http\n').issues[0].message).toMatch(/conflicts/);
  });
  it('fields custom servers do not use are warnings', () => {
    const w = rt('  streaming_read_timeout: 60\n  enable_tracing_data: true\n  enable_debug_logs: true\n  num_workers: 2\n').issues;
    expect(w).toHaveLength(4);
    expect(w.every((i) => i.severity === 'warning' && /not used locally/.test(i.message))).toBe(true);
  });
});

describe('model_cache, weights, metadata, python_version, unknown keys', () => {
  it('model_cache and weights cannot both be set', () => {
    const text = withExtra('model_cache:\n  - repo_id: a/b\nweights:\n  - source: hf://a/b\n    mount_location: /models/b\n');
    expect(errors(text)[0].message).toMatch(/cannot both be set/);
  });
  it('weights need a supported source and an absolute mount; hf sources validate without a warning (Berth fetches them)', () => {
    expect(errors(withExtra('weights:\n  - source: ftp://x\n    mount_location: /m\n'))[0].message).toMatch(/not a supported URI/);
    expect(errors(withExtra('weights:\n  - source: hf://a/b\n    mount_location: m\n'))[0].hint).toMatch(/\/m/);
    expect(warnings(withExtra('weights:\n  - source: hf://a/b\n    mount_location: /m\n'))).toEqual([]);
  });
  it('weights auth: both spellings, not both at once, a known method', () => {
    expect(errors(withExtra('weights:\n  - source: hf://a/b\n    mount_location: /m\n    auth:\n      auth_method: CUSTOM_SECRET\n      auth_secret_name: hf_access_token\n'))).toEqual([]);
    expect(warnings(withExtra('weights:\n  - source: hf://a/b\n    mount_location: /m\n    auth:\n      auth_method: CUSTOM_SECRET\n      auth_secret_name: hf_access_token\n'))).toEqual([]);
    expect(errors(withExtra('weights:\n  - source: hf://a/b\n    mount_location: /m\n    auth_secret_name: t\n    auth:\n      auth_method: CUSTOM_SECRET\n      auth_secret_name: t\n'))[0].message).toMatch(/cannot both be set/);
    expect(errors(withExtra('weights:\n  - source: hf://a/b\n    mount_location: /m\n    auth:\n      auth_method: PASSWORD\n'))[0].message).toMatch(/not one of CUSTOM_SECRET, AWS_OIDC, GCP_OIDC/);
    expect(errors(withExtra('weights:\n  - source: hf://a/b\n    mount_location: /m\n    auth:\n      auth_method: CUSTOM_SECRET\n'))[0].message).toMatch(/auth_secret_name is required|needs auth_secret_name/);
  });
  it('model_metadata is free-form', () => {
    const r = parse(withExtra('model_metadata:\n  example_model_input: {"prompt": "hi", "n": 1,}\n  anything: [1, 2]\n'));
    expect(r.issues).toEqual([]);
    expect(r.config?.model_metadata).toEqual({ example_model_input: { prompt: 'hi', n: 1 }, anything: [1, 2] });
  });
  it('python_version in a non-Truss form is a warning', () => {
    expect(warnings(withExtra('python_version: py311\n'))).toEqual([]);
    expect(warnings(withExtra('python_version: 3.11\n'))[0].message).toMatch(/py311/);
  });
  it('unknown keys are kept and warned at top level and nested, with suggestions', () => {
    const r = parse(withExtra('resourses:\n  cpu: "1"\nruntime:\n  predict_concurency: 2\n  transport:\n    knd: http\n'));
    expect(r.config).not.toBeNull();
    const w = r.issues.filter((i) => i.severity === 'warning');
    expect(w.map((i) => [i.path, i.hint])).toEqual([
      ['resourses', 'did you mean resources?'],
      ['runtime.predict_concurency', 'did you mean predict_concurrency?'],
      ['runtime.transport.knd', 'did you mean kind?'],
    ]);
    expect((r.config as Record<string, unknown>).resourses).toEqual({ cpu: '1' });
  });
  it('Python-model keys are named as such', () => {
    expect(warnings(withExtra('model_class_name: Model\n'))[0].message).toMatch(/Truss Python models/);
  });
  it('duplicate keys are errors at the duplicate', () => {
    const e = errors(BASE + 'model_name: again\n');
    expect(e[0]).toMatchObject({ line: 10, col: 1 });
    expect(e[0].message).toMatch(/duplicate key/);
  });
});
