/**
 * Bench child: the baseline Gatehouse is measured against, a bare Fastify
 * with @fastify/http-proxy and the same undici settings, no logger, no hooks.
 * Whatever Gatehouse costs beyond this is the price of the gate.
 */
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import { UNDICI_OPTIONS } from './settings.js';

const upstream = process.env.BENCH_UPSTREAM;
if (!upstream) throw new Error('BENCH_UPSTREAM is required');

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
