/**
 * A real stack for integration tests: the demo intranet and Gatehouse, each
 * on its own loopback port, a fresh SQLite store in a temp dir and a clock
 * the test moves forward (never sleeps).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import YAML from 'yaml';
import { startIntranet } from '../../demo/intranet.js';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/index.js';
import type { GatehouseConfig } from '../../src/config/types.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

export interface Clock {
  t: number;
  now: () => number;
  advance(ms: number): void;
}

export function makeClock(start = Date.UTC(2026, 11, 4, 12, 0, 0)): Clock {
  const c: Clock = {
    t: start,
    now: () => c.t,
    advance: (ms) => {
      c.t += ms;
    },
  };
  return c;
}

type Obj = Record<string, unknown>;
function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function deepMerge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  return out;
}

/** The test baseline: in scope alice and group finance, enforce on, remember devices on. */
export function baseConfig(upstreamUrl: string, dataDir: string): Obj {
  return {
    server: { listen: '127.0.0.1:8080', publicUrl: 'http://gatehouse.test', prefix: '/_gatehouse', dataDir },
    upstream: { url: upstreamUrl, timeout: '5s' },
    identity: { source: 'lookup', sessionCookie: 'sid', lookup: { path: '/api/me', user: { json: 'username' }, groups: { json: 'groups' }, roles: { json: 'roles' }, cacheTtl: '30s' } },
    twoFactor: {
      enabledFor: { everyone: false, users: ['alice', 'admin'], groups: ['finance'], roles: [] },
      enforce: true,
      rememberDevices: { enabled: true, days: 30 },
      issuer: 'Test Intranet',
    },
    bypass: ['/login', '/logout', '/assets/**', '/favicon.ico'],
    admin: { users: ['admin'], groups: [] },
    secrets: { cookieKeys: ['test-cookie-key-0123456789abcdef'], encryptionKey: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' },
    log: { level: 'silent', access: false },
    pages: { title: 'Test Intranet' },
  };
}

export interface Stack {
  gh: GatehouseApp;
  /** http://127.0.0.1:PORT of Gatehouse. */
  url: string;
  intranet: Awaited<ReturnType<typeof startIntranet>>;
  config: GatehouseConfig;
  store: Store;
  clock: Clock;
  dataDir: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Deep-merged over baseConfig. */
  config?: Obj;
  clock?: Clock;
  intranet?: Parameters<typeof startIntranet>[0];
  /** Use this store instead of a fresh SQLite one. */
  store?: Store;
  /** A logger to capture what Gatehouse logs (default: silent). */
  logger?: FastifyBaseLogger;
  /** Changes to the app (its Node server) before it listens. */
  beforeListen?: (gh: GatehouseApp) => void;
  /** Point Gatehouse somewhere other than the demo intranet it starts. */
  upstreamUrl?: string;
}

export function configFrom(upstreamUrl: string, dataDir: string, over: Obj = {}): GatehouseConfig {
  const raw = deepMerge(baseConfig(upstreamUrl, dataDir), over);
  return parseConfig(YAML.stringify(raw), join(dataDir, 'gatehouse.yaml'));
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const intranet = await startIntranet({ port: 0, quiet: true, ...opts.intranet });
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const config = configFrom(opts.upstreamUrl ?? intranet.url, dataDir, opts.config);
  const clock = opts.clock ?? makeClock();
  const store = opts.store ?? (await createStore(config));
  const gh = await buildApp({ config, store, now: clock.now, logger: opts.logger ?? false });
  opts.beforeListen?.(gh);
  const url = await gh.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    gh,
    url,
    intranet,
    config,
    store,
    clock,
    dataDir,
    async close() {
      await gh.close();
      if (!opts.store) await store.close();
      await intranet.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
