/** Running Gatehouse for years: metrics, logging, readiness, graceful stop and TLS, kept apart from the request logic they observe. */
export { outcomeOf, type RequestOutcome } from './decision.js';
export { accessLogHook, createLogger, loggerOptions, REDACT_PATHS, REDACTED, requestIdGenerator } from './logging.js';
// metrics.ts and cluster-metrics.ts load prom-client: whoever turns metrics on
// imports them directly, so a gateway without metrics never loads it (RSS).
export type { Metrics, MetricSources } from './metrics.js';
export { parseListen, startMetricsServer, type MetricsServer, type MetricsText } from './metrics-server.js';
export { readiness, type CheckResult, type Readiness } from './readiness.js';
export { goingAway, gracefulStop } from './shutdown.js';
export { measureStore } from './store-metrics.js';
export { readTls, reloadTls, tlsPaths, type TlsMaterial } from './tls.js';
