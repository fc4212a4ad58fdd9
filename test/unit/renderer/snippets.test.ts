import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { curlSnippet, jsSnippet, pyLiteral, pythonSnippet } from '../../../renderer/src/lib/snippets.js';

const body = { messages: [{ role: 'user', content: "it's \"quoted\"" }], stream: true, temperature: 0.5, stop: null };
const url = 'http://127.0.0.1:8123/environments/production/predict';

describe('snippets', () => {
  it('curl survives shell quoting: sh parses the -d argument back to the same JSON', () => {
    const s = curlSnippet({ url, body, apiKey: 'k', stream: true });
    expect(s).toContain('curl -N');
    expect(s).toContain("Authorization: Api-Key k");
    // Replace curl with a printer of its last argument and let a real shell parse it.
    const script = `p() { for a; do last="$a"; done; printf %s "$last"; }\n${s.replace(/^curl/, 'p')}`;
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(body);
  });

  it('python literal uses True/False/None and round-trips through JSON semantics', () => {
    expect(pyLiteral({ a: true, b: false, c: null, d: [1, 'x'] })).toBe('{\n    "a": True,\n    "b": False,\n    "c": None,\n    "d": [\n        1,\n        "x",\n    ],\n}');
    const py = pythonSnippet({ url, body, apiKey: null, stream: false });
    expect(py).toContain('requests.post(');
    expect(py).toContain('"stream": True');
    expect(py).not.toContain('Api-Key');
  });

  it('javascript snippet is valid JS carrying the same body', () => {
    const js = jsSnippet({ url, body, apiKey: 'k', stream: true });
    // Parse (not run) it as an async function body.
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => unknown;
    expect(() => new AsyncFunction('fetch', 'process', js)).not.toThrow();
    const m = /JSON\.stringify\(([\s\S]*?)\),\n\}\);/.exec(js);
    expect(JSON.parse(m![1])).toEqual(body);
    expect(js).toContain('"Authorization":"Api-Key k"');
  });
});
