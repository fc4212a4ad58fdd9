// "Copy as" snippets for the playground, pointing at the local gateway URL.
export interface SnippetInput { url: string; body: unknown; apiKey?: string | null; stream?: boolean }

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function curlSnippet({ url, body, apiKey, stream }: SnippetInput): string {
  const parts = [`curl${stream ? ' -N' : ''} -sS -X POST ${shellQuote(url)}`, `-H 'Content-Type: application/json'`];
  if (apiKey) parts.push(`-H ${shellQuote(`Authorization: Api-Key ${apiKey}`)}`);
  parts.push(`-d ${shellQuote(JSON.stringify(body))}`);
  return parts.join(' \\\n  ');
}

/** JSON to a Python literal (True/False/None) so the snippet is valid Python. */
export function pyLiteral(v: unknown, indent = 0): string {
  const pad = '    '.repeat(indent + 1);
  const end = '    '.repeat(indent);
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'None';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length ? `[\n${v.map((x) => pad + pyLiteral(x, indent + 1)).join(',\n')},\n${end}]` : '[]';
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.length ? `{\n${entries.map(([k, x]) => `${pad}${JSON.stringify(k)}: ${pyLiteral(x, indent + 1)}`).join(',\n')},\n${end}}` : '{}';
}

export function pythonSnippet({ url, body, apiKey, stream }: SnippetInput): string {
  const headers = apiKey ? `{"Authorization": "Api-Key ${apiKey}"}` : '{}';
  const lines = [
    'import requests',
    '',
    `resp = requests.post(`,
    `    ${JSON.stringify(url)},`,
    `    headers=${headers},`,
    `    json=${pyLiteral(body, 1)},`,
  ];
  if (stream) {
    lines.push('    stream=True,', ')', 'resp.raise_for_status()', 'for line in resp.iter_lines():', '    if line:', '        print(line.decode())');
  } else {
    lines.push(')', 'resp.raise_for_status()', 'print(resp.json())');
  }
  return lines.join('\n');
}

export function jsSnippet({ url, body, apiKey, stream }: SnippetInput): string {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (apiKey) headers.Authorization = `Api-Key ${apiKey}`;
  const lines = [
    `const resp = await fetch(${JSON.stringify(url)}, {`,
    `  method: 'POST',`,
    `  headers: ${JSON.stringify(headers)},`,
    `  body: JSON.stringify(${JSON.stringify(body, null, 2).replace(/\n/g, '\n  ')}),`,
    `});`,
    `if (!resp.ok) throw new Error(\`HTTP \${resp.status}: \${await resp.text()}\`);`,
  ];
  if (stream) {
    lines.push(
      'const reader = resp.body.getReader();',
      'const decoder = new TextDecoder();',
      'for (;;) {',
      '  const { done, value } = await reader.read();',
      '  if (done) break;',
      '  process.stdout.write(decoder.decode(value, { stream: true }));',
      '}',
    );
  } else {
    lines.push('console.log(await resp.json());');
  }
  return lines.join('\n');
}
