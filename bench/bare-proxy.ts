/**
 * Bench child: the baseline Gatehouse is measured against, a bare Fastify
 * with @fastify/http-proxy and the same undici settings, no logger, no hooks.
 * Whatever Gatehouse costs beyond this is the price of the gate.
 *
 * BENCH_WORKERS=N runs it as a node:cluster of N workers sharing the port, the
 * way `server.workers` runs Gatehouse: the reference for the cluster row.
 */
import cluster from 'node:cluster';
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import { UNDICI_OPTIONS } from './settings.js';

const upstream = process.env.BENCH_UPSTREAM;
if (!upstream) throw new Error('BENCH_UPSTREAM is required');
const workers = Number(process.env.BENCH_WORKERS ?? 1);

if (workers > 1 && cluster.isPrimary) {
  // The primary only forks and reports: the workers listen on the shared port.
  let reported = false;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (m: { type?: string }) => {
      if (m.type === 'ready' && !reported) {
        reported = true;
        process.send?.(m);
      }
    });
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
} else {
  const app = Fastify({
    logger: false,
    // The same server timeouts as Gatehouse (src/app.ts), so long uploads are not cut.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    bodyLimit: 1024 * 1024,
  });
  await app.register(proxy, { upstream, undici: { ...UNDICI_OPTIONS }, websocket: true, disableRequestLogging: true } as never);
  const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) });
  process.on('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', url: address });
}
