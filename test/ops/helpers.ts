/**
 * Stacks for the operations tests: the shared integration stack, plus what
 * only these tests need — the log captured from the real (redacting) logger,
 * metrics scraped over HTTP from the real listener, and a store that can be
 * made to fail on demand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startIntranet } from '../../demo/intranet.js';
import { buildApp } from '../../src/app.js';
import { createLogger, measureStore, startMetricsServer, type Metrics, type MetricsServer } from '../../src/ops/index.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { configFrom, makeClock, type Stack } from '../helpers/stack.js';

type Obj = Record<string, unknown>;

export interface OpsStack extends Stack {
  metrics: Metrics;
  metricsServer: MetricsServer;
  /** Everything the logger wrote so far. */
  log(): string;
  /** Parsed log records. */
  records(): Obj[];
  failing: FailSwitch;
  scrape(): Promise<string>;
}

/** Which store operations fail (or never answer) right now; '*' = all. */
export interface FailSwitch {
  ops: Set<string>;
  hang: Set<string>;
}

/** A store whose operations throw while their name (or '*') is in `fail.ops`: a stand-in for a dead Redis or disk. */
export function failingStore(inner: Store, fail: FailSwitch): Store {
  return new Proxy(inner, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      if (prop === 'getUserNow') {
        // The synchronous read cannot hang: while getUser hangs, hide it so the gate waits on getUser.
        if (fail.hang.has('*') || fail.hang.has('getUser')) return undefined;
        return (...args: unknown[]) => {
          if (fail.ops.has('*') || fail.ops.has('getUser') || fail.ops.has('getUserNow')) throw new Error('store down (test): getUser');
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (...args: unknown[]) => {
        if (fail.ops.has('*') || fail.ops.has(prop)) return Promise.reject(new Error(`store down (test): ${prop}`));
        if (fail.hang.has('*') || fail.hang.has(prop)) return new Promise(() => {});
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export async function startOpsStack(opts: { config?: Obj; level?: 'info' | 'debug' | 'trace' } = {}): Promise<OpsStack> {
  const intranet = await startIntranet({ port: 0, quiet: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-ops-'));
  const config = configFrom(intranet.url, dataDir, { log: { level: opts.level ?? 'info', access: true }, ...opts.config });
  const clock = makeClock();
  const chunks: string[] = [];
  const logger = createLogger(config.log.level, { write: (s: string) => void chunks.push(s) });
  const metrics = createMetrics();
  const failing: FailSwitch = { ops: new Set(), hang: new Set() };
  const sqlite = await createStore(config);
  const store = measureStore(failingStore(sqlite, failing), metrics);
  const gh = await buildApp({ config, store, now: clock.now, logger, metrics });
  const url = await gh.app.listen({ host: '127.0.0.1', port: 0 });
  const metricsServer = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0 });
  return {
    gh,
    url,
    intranet,
    config,
    store,
    clock,
    dataDir,
    metrics,
    metricsServer,
    failing,
    log: () => chunks.join(''),
    records: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Obj),
    async scrape() {
      const res = await request(`${metricsServer.url}/metrics`);
      if (res.statusCode !== 200) throw new Error(`metrics answered ${res.statusCode}`);
      return res.body.text();
    },
    async close() {
      await gh.close();
      await metricsServer.close();
      await sqlite.close();
      await intranet.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The value of one sample in Prometheus text format; NaN when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return Number.NaN;
}

/** A TCP port that was free a moment ago (for child processes, whose config cannot say port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
