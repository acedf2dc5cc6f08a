/**
 * Metrics with server.workers > 1. Workers share the public port, so a
 * metrics port served by the workers would answer each scrape from whichever
 * worker the kernel picked, and counters would jump back and forth. Instead
 * the primary alone listens on metrics.listen and answers with the sum of all
 * workers (prom-client's AggregatorRegistry over the cluster IPC channel).
 */
import { AggregatorRegistry } from 'prom-client';
import type { Metrics } from './metrics.js';
import { parseListen, startMetricsServer, type MetricsServer } from './metrics-server.js';

/** In a worker: answer the primary's requests for this worker's metrics. */
export function shareWithPrimary(metrics: Metrics): void {
  // Constructing one installs the worker's IPC listener.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([metrics.registry]);
}

/** In the cluster primary: serve the workers' metrics, summed, on `listen` (host:port). */
export function startClusterMetricsServer(listen: string): Promise<MetricsServer> {
  const aggregate = new AggregatorRegistry();
  return startMetricsServer({ contentType: aggregate.contentType, metrics: () => aggregate.clusterMetrics() }, parseListen(listen));
}
