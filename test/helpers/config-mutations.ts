// Config mutations shared by the parser's unit fuzzer and the reliability suite (which
// drives the real API and CLI with them): a deterministic PRNG, so a failure reproduces, and
// mutations that break values, structure, bytes, indentation, keys and YAML syntax.
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SEED_CONFIG = `model_name: fuzz
base_image:
  image: berth-fixture/model-server:latest
docker_server:
  start_command: node /srv/model-server/server.mjs --port 8000
  server_port: 8000
  predict_endpoint: /v1/chat/completions
  readiness_endpoint: /health
  liveness_endpoint: /live
resources:
  accelerator: H100:2
  cpu: "4"
  memory: 16Gi
secrets:
  hf_access_token: null
environment_variables:
  A: 1
requirements:
  - vllm==0.9.2
runtime:
  predict_concurrency: 8
  health_checks:
    startup_threshold_seconds: 600
    restart_threshold_seconds: 100
  transport:
    kind: http
model_metadata:
  example_model_input: {"a": [1, 2, {"b": null}]}
`;

const BAD_VALUES = ['', '~', '[]', '{}', '-1', '0', '3.5', '"x"', 'h100', 'H100:0', '16gb', '"16 Gi"', 'true', '[a, b', '{a: 1', '*nope', '&a x', '!!binary ABC', '"\\u0000"', '99999999999999999999', '- x', '|', '>', '9'.repeat(400), '"\u202e\ufeff"'];

export function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const pick = (n: number) => Math.floor(r() * n);
  switch (pick(9)) {
    case 0: {
      const i = pick(lines.length);
      lines[i] = lines[i].replace(/:(.*)$/, `: ${BAD_VALUES[pick(BAD_VALUES.length)]}`);
      return lines.join('\n');
    }
    case 1:
      lines.splice(pick(lines.length), 1);
      return lines.join('\n');
    case 2:
      return text.slice(0, pick(text.length));
    case 3: {
      const b = Buffer.from(text);
      for (let k = 0; k < 1 + pick(4); k++) b[pick(b.length)] = pick(256);
      return b.toString('utf8');
    }
    case 4: {
      const i = pick(lines.length);
      lines[i] = (r() < 0.5 ? ' ' : '\t') + lines[i];
      return lines.join('\n');
    }
    case 5: {
      const i = pick(lines.length);
      lines.splice(i, 0, lines[pick(lines.length)]);
      return lines.join('\n');
    }
    case 6: {
      const i = pick(lines.length);
      lines[i] = lines[i].replace(/[A-Za-z_]+/, (m) => m.slice(0, Math.max(1, m.length - 1)) + 'x');
      return lines.join('\n');
    }
    case 7: {
      // swap two lines: keys land under the wrong parent
      const i = pick(lines.length);
      const j = pick(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    default: {
      const chars = '{}[]:,-#&*!|>"\'%@`';
      const i = pick(text.length);
      return text.slice(0, i) + chars[pick(chars.length)] + text.slice(i);
    }
  }
}

/** The n-th mutated config of a seed: 1-3 rounds of mutation of the seed config. */
export function mutatedConfigs(count: number, seed = 20250807): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    let text = SEED_CONFIG;
    const rounds = 1 + Math.floor(r() * 3);
    for (let k = 0; k < rounds; k++) text = mutate(text, r);
    out.push(text);
  }
  return out;
}
