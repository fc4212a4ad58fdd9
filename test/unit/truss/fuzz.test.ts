// >= 1,000 mutated configs: each yields a valid result or positioned errors, never a throw.
import { describe, expect, it } from 'vitest';
import { parseTrussConfig, PARSE_LIMITS } from '../../../shared/truss/parse.js';
import { BASE } from './helpers.js';
import { mutate, rng, SEED_CONFIG } from '../../helpers/config-mutations.js';

function check(text: string): void {
  let r: ReturnType<typeof parseTrussConfig> | undefined;
  expect(() => (r = parseTrussConfig(text, 'f.yaml'))).not.toThrow();
  const res = r!;
  const errs = res.issues.filter((i) => i.severity === 'error');
  if (res.config === null) expect(errs.length).toBeGreaterThan(0);
  else expect(errs).toEqual([]);
  for (const i of res.issues) {
    expect(i.line).toBeGreaterThanOrEqual(1);
    expect(i.col).toBeGreaterThanOrEqual(1);
    expect(i.file).toBe('f.yaml');
    expect(typeof i.message).toBe('string');
    expect(i.message.length).toBeGreaterThan(0);
  }
}

describe('fuzz: parseTrussConfig never throws', () => {
  it('handles 1,200 mutated configs', () => {
    const r = rng(20240611);
    let invalid = 0;
    for (let n = 0; n < 1200; n++) {
      let text = n % 2 ? SEED_CONFIG : BASE;
      const rounds = 1 + Math.floor(r() * 3);
      for (let k = 0; k < rounds; k++) text = mutate(text, r);
      check(text);
      if (parseTrussConfig(text, 'f.yaml').config === null) invalid++;
    }
    // The mutations must actually break things most of the time, or this test proves nothing.
    expect(invalid).toBeGreaterThan(400);
  });

  it('handles hostile and degenerate inputs', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]'];
    for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    const cases = [
      '',
      '   \n# only a comment\n',
      '- a\n- b\n',
      '42',
      '"just a string"',
      'null',
      '\u0000\u0001\u0002binary',
      String.fromCharCode(...Array.from({ length: 300 }, (_, i) => (i * 7919) % 256)),
      bomb.join('\n'),
      '['.repeat(5000),
      `${'a:\n '.repeat(1)}${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')}`,
      `x: ${'y'.repeat(PARSE_LIMITS.maxBytes + 10)}`,
      `${BASE}big: ${'[1,'.repeat(300)}`,
      'a: b: c',
      '---\n---\n',
      `${BASE}---\nsecond: doc\n`,
    ];
    for (const c of cases) check(c);
    const big = parseTrussConfig('a: ' + 'x'.repeat(10 * 1024 * 1024), 'f.yaml');
    expect(big.issues[0].message).toMatch(/Berth reads configs up to 1 MiB/);
    expect(parseTrussConfig(bomb.join('\n'), 'f.yaml').issues[0].message).toMatch(/alias/i);
    expect(parseTrussConfig('', 'f.yaml').issues[0].message).toBe('config is empty');
  });
});

describe('binary content', () => {
  it('is reported at its line and column', () => {
    const r = parseTrussConfig('model_name: x\nab\u0001c\n', 'f.yaml');
    expect(r.issues[0]).toMatchObject({ line: 2, col: 3, severity: 'error' });
  });
});
