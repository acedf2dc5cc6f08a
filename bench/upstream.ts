/**
 * Bench child: the demo intranet, alone in its process so its CPU is not
 * billed to the proxies. Its counters (how many /api/me look-ups reached it)
 * are read over the IPC channel, not over HTTP, so reading them adds no
 * request that a proxy or the intranet would count.
 */
import { startIntranet } from '../demo/intranet.js';

const intranet = await startIntranet({ port: Number(process.env.BENCH_PORT ?? 0), quiet: true });

process.on('message', (m: { type?: string; id?: number }) => {
  if (m?.type === 'stats') process.send?.({ type: 'stats', id: m.id, stats: { ...intranet.stats } });
});
process.on('disconnect', () => {
  void intranet.close().then(() => process.exit(0));
});
process.on('SIGTERM', () => {
  void intranet.close().then(() => process.exit(0));
});
process.send?.({ type: 'ready', url: intranet.url, port: intranet.port });
