/**
 * nginx as the reference reverse proxy, when it is installed (optional:
 * `apt-get install nginx`). A minimal config in a temp dir: upstream
 * keep-alive on (without it nginx opens a connection per request and the
 * comparison is meaningless), access log off, one worker per core.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChild, waitForHttp, type Child } from './proc.js';

export function findNginx(): string | null {
  for (const candidate of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return null;
}

export function nginxConfig(dir: string, port: number, upstreamPort: number): string {
  return `worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream intranet {
    server 127.0.0.1:${upstreamPort};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location / {
      proxy_pass http://intranet;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_request_buffering off;
    }
  }
}
`;
}

export async function startNginx(bin: string, dir: string, port: number, upstreamPort: number): Promise<Child> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  // Workers run as an unprivileged user when nginx is started as root.
  chmodSync(dir, 0o777);
  chmodSync(join(dir, 'tmp'), 0o777);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, upstreamPort));
  const child = startChild('nginx', bin, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'], join(dir, 'stdout.log'));
  await waitForHttp(`http://127.0.0.1:${port}/page2k`, child, 10_000, 200);
  return child;
}
