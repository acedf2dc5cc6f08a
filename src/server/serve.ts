/**
 * `gatehouse serve`: load, validate, open the store, listen; reload on
 * SIGHUP; stop gracefully on SIGTERM/SIGINT (stop accepting, let requests in
 * flight finish, close WebSockets, close the store) within
 * server.shutdownTimeout.
 */
import cluster from 'node:cluster';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { buildApp, type GatehouseApp } from '../app.js';
import { loadConfigFile } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { gracefulStop, measureStore, parseListen, reloadTls, startMetricsServer } from '../ops/index.js';
import { createStore } from '../store/index.js';
import { startPolicySync } from './policy-sync.js';
import { reloadFromFile } from './reload.js';

export const PID_FILE = 'gatehouse.pid';

export interface Running {
  gh: GatehouseApp;
  url: string;
  /** http://host:port of the metrics listener, or null when metrics.listen is empty. */
  metricsUrl: string | null;
  stop(): Promise<void>;
}

/** How long after server.shutdownTimeout a stop that still hangs (a store that never closes) ends the process with 1. */
const STOP_WATCHDOG_GRACE_MS = 5000;

export async function serve(configPath: string, opts: { installSignals?: boolean; config?: GatehouseConfig; pidFile?: boolean; now?: () => number; logger?: FastifyBaseLogger | false } = {}): Promise<Running> {
  const config = opts.config ?? loadConfigFile(configPath);
  // prom-client is loaded only when metrics are on (ops/index.ts).
  const metrics = config.metrics.listen ? (await import('../ops/metrics.js')).createMetrics() : undefined;
  const opened = await createStore(config);
  const store = metrics ? measureStore(opened, metrics) : opened;
  let gh: GatehouseApp;
  try {
    gh = await buildApp({
      config,
      store,
      ...(metrics ? { metrics } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    });
  } catch (err) {
    // A bad certificate or secret: release the store so the process can exit with the error.
    await opened.close().catch(() => {});
    throw err;
  }
  // policy.source: redis — the shared policy document wins over the file's sections.
  const policySync = config.policy.source === 'redis' ? await startPolicySync(gh.services) : null;
  const { host, port } = config.server.listen;
  const address = await gh.app.listen({ host, port });
  // A cluster worker hands its metrics to the primary, which alone listens on metrics.listen (ops/cluster-metrics.ts).
  if (metrics && cluster.isWorker) (await import('../ops/cluster-metrics.js')).shareWithPrimary(metrics);
  const metricsServer = metrics && !cluster.isWorker ? await startMetricsServer(metrics.registry, parseListen(config.metrics.listen)) : null;
  gh.app.log.info(
    { address, upstream: config.upstream.url, prefix: config.server.prefix, store: config.store.type, tls: config.server.tls !== null, metrics: metricsServer?.url ?? null },
    'gatehouse listening',
  );

  mkdirSync(config.server.dataDir, { recursive: true });
  const pidFile = join(config.server.dataDir, PID_FILE);
  if (opts.pidFile !== false) writeFileSync(pidFile, String(process.pid) + '\n');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      gh.app.log.info({ timeoutMs: config.server.shutdownTimeoutMs }, 'stopping: no new connections; finishing requests in flight');
      const { timedOut } = await gracefulStop({
        server: gh.app.server,
        closeApp: async () => {
          await gh.close();
          await policySync?.stop();
        },
        store,
        metricsServer,
        timeoutMs: config.server.shutdownTimeoutMs,
        log: gh.app.log,
      });
      if (opts.pidFile !== false) rmSync(pidFile, { force: true });
      gh.app.log.info({ timedOut }, timedOut ? 'stopped (requests still running at the timeout were cut)' : 'stopped');
    })());

  // A renewed certificate is picked up on SIGHUP; a bad pair keeps the old one.
  const reloadCertificate = () => {
    try {
      const m = reloadTls(gh.app.server as unknown as HttpsServer, config);
      if (!m) return;
      metrics?.bind({ tlsNotAfter: () => m.notAfter });
      gh.app.log.info({ notAfter: new Date(m.notAfter).toISOString() }, 'TLS certificate reloaded');
    } catch (err) {
      gh.app.log.error({ err: (err as Error).message }, 'TLS certificate reload failed: the previous certificate stays in use');
    }
  };

  if (opts.installSignals !== false) {
    process.on('SIGHUP', () => {
      void reloadFromFile(gh.services, 'SIGHUP').catch((err: unknown) => gh.app.log.error({ err: (err as Error).message }, 'reload failed'));
      if (config.server.tls) reloadCertificate();
    });
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.on(sig, () => {
        // Repeated signals (Ctrl-C reaches every worker and the primary forwards
        // SIGTERM too) join the stop already under way.
        if (stopping) return;
        setTimeout(() => {
          gh.app.log.error('stop did not finish after the shutdown timeout; exiting');
          process.exit(1);
        }, config.server.shutdownTimeoutMs + STOP_WATCHDOG_GRACE_MS).unref();
        void stop().then(() => process.exit(0));
      });
    }
  }
  return { gh, url: address, metricsUrl: metricsServer?.url ?? null, stop };
}
