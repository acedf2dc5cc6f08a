/**
 * Prometheus metrics in their own registry (never prom-client's global one,
 * so tests and embedders can build several apps in one process). The hot path
 * only increments pre-created children: label look-ups happen once per label
 * value, not per request; identity and WebSocket figures are read at scrape
 * time by collect callbacks.
 */
import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Runtime } from '../gate/runtime.js';
import type { LookupStats } from '../identity/lookup.js';
import type { AuditEvent } from '../store/types.js';
import { KNOWN_OUTCOMES, outcomeOf, type RequestOutcome } from './decision.js';

export interface StoreOpObserver {
  /** Seconds the operation took (success or failure). */
  observe(seconds: number): void;
  error(): void;
}

/** Where scrape-time figures come from; bound by buildApp once the parts exist. */
export interface MetricSources {
  identity?: () => LookupStats;
  websockets?: () => number;
  runtime?: Runtime;
  /** Expiry (epoch ms) of the certificate being served, when Gatehouse terminates TLS. */
  tlsNotAfter?: () => number | null;
}

export interface Metrics {
  readonly registry: Registry;
  /** Fastify onSend hook: counts the request by decision, times and counts upstream answers. */
  onSend(req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void;
  /** Every audit event passes here (app.ts's single audit funnel): second-factor outcomes, lockouts, reloads. */
  audit(e: AuditEvent): void;
  /** The observer for one store operation (cached per operation name). */
  storeOp(op: string): StoreOpObserver;
  bind(sources: MetricSources): void;
}

/** Second-factor outcomes, by audit event type. */
const SECOND_FACTOR: Readonly<Record<string, string>> = {
  verified: 'verified',
  failed: 'failed',
  recovery_used: 'recovery_used',
  enrolled: 'enrolled',
  skipped: 'skipped',
};

function packageVersion(): string {
  // dist/src/ops/metrics.js or src/ops/metrics.ts: the package root is a few levels up.
  for (const up of ['../../', '../../../']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up + 'package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gatehouse' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not here; a missing package.json must not stop the server.
    }
  }
  return 'unknown';
}

/** Counter whose value is read at scrape time from a monotonically growing number. */
function mirrorCounter(registry: Registry, name: string, help: string, read: () => number | undefined): Counter {
  let last = 0;
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const v = read();
      if (v !== undefined && v > last) {
        this.inc(v - last);
        last = v;
      }
    },
  });
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const sources: MetricSources = {};
  // Process and Node.js runtime series keep their conventional names
  // (process_*, nodejs_*) so stock dashboards work unchanged.
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  // `aggregator` says how the cluster primary combines its workers' values (server.workers > 1).
  new Gauge({ name: 'gatehouse_info', help: 'Always 1; the version label says which Gatehouse is running.', labelNames: ['version'], registers: [registry], aggregator: 'first' })
    .labels(packageVersion())
    .set(1);

  const requests = new Counter({
    name: 'gatehouse_requests_total',
    help: 'HTTP requests answered, by decision (forwarded, challenged, enrolled, locked, denied, bypassed, …) and the policy rule behind it.',
    labelNames: ['decision', 'rule'],
    registers: [registry],
  });
  const requestChildren = new Map<RequestOutcome, Counter.Internal>();
  const requestChild = (o: RequestOutcome): Counter.Internal => {
    let c = requestChildren.get(o);
    if (!c) requestChildren.set(o, (c = requests.labels(o.decision, o.rule)));
    return c;
  };
  // Series exist (at 0) from the start, so rate() and alerts work before the first event.
  for (const o of KNOWN_OUTCOMES) requestChild(o).inc(0);

  const upstreamDuration = new Histogram({
    name: 'gatehouse_upstream_duration_seconds',
    help: 'Forwarded requests: time from the request reaching Gatehouse to the intranet\'s response headers (or to Gatehouse\'s 502/504).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'gatehouse_upstream_errors_total',
    help: 'Forwarded requests that Gatehouse answered itself because the intranet failed: code 502 (unreachable, connection broken) or 504 (timeout).',
    labelNames: ['code'],
    registers: [registry],
  });
  const upstream502 = upstreamErrors.labels('502');
  const upstream504 = upstreamErrors.labels('504');
  upstream502.inc(0);
  upstream504.inc(0);

  const secondFactor = new Counter({
    name: 'gatehouse_second_factor_total',
    help: 'Second-factor outcomes: verified, failed (wrong or replayed code), recovery_used, enrolled, skipped.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const secondFactorChildren = new Map<string, Counter.Internal>();
  for (const outcome of Object.values(SECOND_FACTOR)) {
    const c = secondFactor.labels(outcome);
    c.inc(0);
    secondFactorChildren.set(outcome, c);
  }

  const lockouts = new Counter({
    name: 'gatehouse_lockouts_total',
    help: 'Lockouts after repeated wrong codes (of a user or of a client IP).',
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'gatehouse_reloads_total',
    help: 'Configuration reloads (SIGHUP, CLI, console), by result: ok or failed (the running policy stayed in force).',
    labelNames: ['result'],
    registers: [registry],
  });
  const reloadOk = reloads.labels('ok');
  const reloadFailed = reloads.labels('failed');
  reloadOk.inc(0);
  reloadFailed.inc(0);
  const auditEvents = new Counter({
    name: 'gatehouse_audit_events_total',
    help: 'Audit-trail events by type (enrolled, verified, failed, locked, reset, policy_changed, …).',
    labelNames: ['type'],
    registers: [registry],
  });
  const auditChildren = new Map<string, Counter.Internal>();

  const storeDuration = new Histogram({
    name: 'gatehouse_store_duration_seconds',
    help: 'Time taken by state-store operations (SQLite or Redis), by operation.',
    labelNames: ['op'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'gatehouse_store_errors_total',
    help: 'State-store operations that failed, by operation; requests needing the store fail closed (503) meanwhile.',
    labelNames: ['op'],
    registers: [registry],
  });
  const storeOps = new Map<string, StoreOpObserver>();

  mirrorCounter(registry, 'gatehouse_identity_lookups_total', 'Identity look-ups sent to the intranet (cache misses).', () => sources.identity?.().lookups);
  mirrorCounter(registry, 'gatehouse_identity_cache_hits_total', 'Identity look-ups answered from the cache; hit ratio = hits / (hits + lookups).', () => sources.identity?.().cacheHits);
  mirrorCounter(registry, 'gatehouse_identity_errors_total', 'Identity look-ups that failed (intranet down, timeout, unexpected status): those requests fail closed.', () => sources.identity?.().errors);

  new Gauge({
    name: 'gatehouse_websockets_active',
    help: 'WebSocket (upgraded) connections open through Gatehouse right now.',
    registers: [registry],
    collect() {
      this.set(sources.websockets?.() ?? 0);
    },
  });
  new Gauge({
    name: 'gatehouse_policy_version',
    help: 'Version of the live policy: 1 at start, +1 on every successful reload.',
    registers: [registry],
    aggregator: 'max',
    collect() {
      if (sources.runtime) this.set(sources.runtime.live.version);
    },
  });
  new Gauge({
    name: 'gatehouse_policy_loaded_timestamp_seconds',
    help: 'When the live policy was loaded (Unix time).',
    registers: [registry],
    aggregator: 'min',
    collect() {
      if (sources.runtime) this.set(sources.runtime.live.loadedAt / 1000);
    },
  });
  new Gauge({
    name: 'gatehouse_tls_certificate_expiry_timestamp_seconds',
    help: 'Expiry (Unix time) of the certificate Gatehouse serves with server.tls; absent without TLS.',
    registers: [registry],
    aggregator: 'min',
    collect() {
      const t = sources.tlsNotAfter?.();
      if (t !== null && t !== undefined) this.set(t / 1000);
    },
  });

  return {
    registry,
    onSend(req, reply, payload, done) {
      const status = reply.statusCode;
      const o = outcomeOf(req, status);
      requestChild(o).inc();
      if (o.forwarded) {
        upstreamDuration.observe(reply.elapsedTime / 1000);
        // A forwarded answer is a stream from the intranet; a string is
        // Gatehouse's own error page, sent because the intranet failed.
        if (typeof payload === 'string') {
          if (status === 502) upstream502.inc();
          else if (status === 504) upstream504.inc();
        }
      }
      done(null, payload);
    },
    audit(e) {
      let a = auditChildren.get(e.type);
      if (!a) auditChildren.set(e.type, (a = auditEvents.labels(e.type)));
      a.inc();
      const outcome = SECOND_FACTOR[e.type];
      if (outcome !== undefined) secondFactorChildren.get(outcome)?.inc();
      else if (e.type === 'locked') lockouts.inc();
      else if (e.type === 'reload_ok') reloadOk.inc();
      else if (e.type === 'reload_failed') reloadFailed.inc();
    },
    storeOp(op) {
      let o = storeOps.get(op);
      if (!o) {
        const h = storeDuration.labels(op);
        const err = storeErrors.labels(op);
        o = { observe: (s) => h.observe(s), error: () => err.inc() };
        storeOps.set(op, o);
      }
      return o;
    },
    bind(s) {
      Object.assign(sources, s);
    },
  };
}
