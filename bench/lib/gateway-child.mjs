// Runs one Berth gateway in its own process (one Node thread, like one nginx worker) and
// prints {"port": N} once listening. argv: <bundle> <upstreamPort> [predictConcurrency]
const [bundle, upstreamPort, concurrency = '256'] = process.argv.slice(2);
const { Gateway } = await import(bundle);
const gw = new Gateway({
  deploymentId: 'bench',
  predictEndpoint: '/v1/chat/completions',
  transport: 'http',
  predictConcurrency: Number(concurrency),
  apiKey: null,
  requireKey: false,
});
const { port } = await gw.listen();
gw.setUpstream({ host: '127.0.0.1', port: Number(upstreamPort) });
gw.setGate({ ready: true, state: 'ready', reason: 'bench' });
process.stdout.write(JSON.stringify({ port }) + '\n');
process.on('SIGTERM', () => gw.close().then(() => process.exit(0)));
