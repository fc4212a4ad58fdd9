// The engine streams pull progress and events as JSON objects, one per line, split across
// chunks anywhere. Lines that are not JSON are skipped: the stream is the engine's, not ours.
export function onJsonLines<T>(stream: NodeJS.ReadableStream, onObject: (value: T) => void): void {
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    rest += chunk.toString('utf8');
    let nl: number;
    while ((nl = rest.indexOf('\n')) !== -1) {
      const text = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (!text) continue;
      let value: T;
      try {
        value = JSON.parse(text) as T;
      } catch {
        continue;
      }
      onObject(value);
    }
  });
}
