// A paced OpenAI-style SSE upstream for the stream-relay benchmark. Each event carries the
// wall-clock time it was written ("t", ms since epoch with sub-ms precision), so a client
// in another process can measure per-chunk delivery delay. Prints {"port": N}.
// GET /sse?n=2000&every_ms=1
import http from 'node:http';

const now = () => performance.timeOrigin + performance.now();
const server = http.createServer({ noDelay: true }, (req, res) => {
  const u = new URL(req.url, 'http://x');
  const n = Number(u.searchParams.get('n') ?? 2000);
  const every = Number(u.searchParams.get('every_ms') ?? 1);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let i = 0;
  const timer = setInterval(() => {
    res.write(`data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tok${i}"}}],"t":${now()}}\n\n`);
    if (++i >= n) {
      clearInterval(timer);
      res.end('data: [DONE]\n\n');
    }
  }, every);
  res.on('close', () => clearInterval(timer));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
