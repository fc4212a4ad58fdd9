// Reading a secret value for the CLI without it ever being a command-line argument (argv shows
// up in `ps`, shell history and logs): a no-echo prompt on a terminal, else stdin, or a file.
import { readFile } from 'node:fs/promises';
import { BerthError } from '../../../shared/errors.js';

/** One trailing newline is what `echo` / editors add; it is never part of a token. */
export function stripOneNewline(s: string): string {
  return s.replace(/\r?\n$/, '');
}

export async function readAllStdin(stdin: NodeJS.ReadableStream = process.stdin, maxBytes = 1024 * 1024 + 2): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > maxBytes) throw new BerthError('BAD_REQUEST', 'The secret value on stdin is larger than 1 MiB.', 'Secrets are tokens and keys; pipe only the value.');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Prompts on the terminal with echo off. Ctrl-C cancels (rejects with a BAD_REQUEST). */
export function promptHidden(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    let value = '';
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (err: Error | null) => {
      input.removeListener('data', onData);
      input.setRawMode?.(Boolean(wasRaw));
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: string) => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(new BerthError('BAD_REQUEST', 'Cancelled; the secret was not changed.', 'Run the command again when ready.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

export interface ReadValueOptions {
  name: string;
  fromStdin?: boolean;
  valueFile?: string;
  stdin?: NodeJS.ReadStream;
}

export async function readSecretValue(opts: ReadValueOptions): Promise<string> {
  if (opts.valueFile) {
    try {
      return stripOneNewline(await readFile(opts.valueFile, 'utf8'));
    } catch (err) {
      throw new BerthError('NOT_FOUND', `Cannot read the value file ${opts.valueFile} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, 'Check the path and its permissions.');
    }
  }
  const stdin = opts.stdin ?? process.stdin;
  if (!opts.fromStdin && stdin.isTTY) return promptHidden(`Value for ${opts.name} (input hidden): `, stdin);
  return stripOneNewline(await readAllStdin(stdin));
}
