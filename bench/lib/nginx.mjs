// nginx (Debian) as the baseline reverse proxy: one worker process (one core, like
// Node's one thread), HTTP/1.1 with keepalive to the upstream, no buffering, no access
// log: the settings a fair streaming proxy comparison needs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, track, waitForPort } from './procs.mjs';

export function nginxAvailable() {
  return spawnSync('nginx', ['-v']).status === 0;
}

export function nginxConfig({ port, upstreamPort, prefix }) {
  return `
worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  client_max_body_size 100m;
  keepalive_requests 1000000;
  upstream model { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location /environments/production/sync/ {
      proxy_pass http://model/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 3600s;
      tcp_nodelay on;
    }
  }
}
`;
}

export async function startNginx(upstreamPort) {
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'gateway-bench-nginx-'));
  mkdirSync(path.join(prefix, 'tmp'), { recursive: true });
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ port, upstreamPort, prefix }));
  const child = track(spawn('nginx', ['-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] }));
  await waitForPort(port);
  return { port, child };
}
