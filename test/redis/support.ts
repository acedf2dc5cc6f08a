/**
 * Multi-replica fixtures: several Gatehouse instances in front of one demo
 * intranet, sharing one Redis key prefix and the same secrets (what a load
 * balancer in front of N replicas looks like), a recorder that shows what
 * reached the intranet, dedicated redis-server processes a test may kill,
 * and Gatehouse as a child process (`gatehouse serve`).
 *
 * Nothing here sleeps to synchronise: waits are on events, or bounded
 * polls that await each attempt and fail with a message at their deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import YAML from 'yaml';
import { startIntranet, type Intranet } from '../../demo/intranet.js';
import { buildApp, type GatehouseApp } from '../../src/app.js';
import { loadConfigFile } from '../../src/config/index.js';
import type { GatehouseConfig } from '../../src/config/types.js';
import { startPolicySync, type PolicySync } from '../../src/server/policy-sync.js';
import { RedisStore } from '../../src/store/redis.js';
import { Browser } from '../helpers/client.js';
import { baseConfig, deepMerge, makeClock, type Clock, type Stack } from '../helpers/stack.js';

export const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/src/cli.js');

type Obj = Record<string, unknown>;

/** A key prefix of its own for one test; removeKeys(prefix) deletes everything under it. */
export function uniquePrefix(name: string): string {
  return `gh-test-redis:${name}:${randomUUID()}:`;
}

export async function removeKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await admin.connect();
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await admin.del(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

/** Polls `probe` (each attempt awaited) until it returns a value other than undefined; fails after `timeoutMs`, or at once on an error marked `fatal`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000, pauseMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) throw err;
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** Resolves with the first event `accept` takes; rejects after `timeoutMs`. `subscribe` returns the unsubscribe function. */
export function nextEvent<E>(what: string, subscribe: (cb: (e: E) => void) => () => void, accept: (e: E) => boolean, timeoutMs = 5000): Promise<E> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const off = subscribe((e) => {
      if (!accept(e)) return;
      clearTimeout(timer);
      off();
      resolvePromise(e);
    });
  });
}

/**
 * Records events from the moment it is created, so none is missed while the
 * test is still causing it; `next` resolves with the first recorded or
 * future event `accept` takes, its deadline counted from the call.
 */
export function eventLog<E>(subscribe: (cb: (e: E) => void) => () => void): { events: E[]; next(what: string, accept: (e: E) => boolean, timeoutMs?: number): Promise<E>; stop(): void } {
  const events: E[] = [];
  const waiters = new Set<(e: E) => void>();
  const off = subscribe((e) => {
    events.push(e);
    for (const w of waiters) w(e);
  });
  return {
    events,
    next(what, accept, timeoutMs = 5000) {
      const seen = events.find(accept);
      if (seen !== undefined) return Promise.resolve(seen);
      return nextEvent(what, (cb) => {
        waiters.add(cb);
        return () => waiters.delete(cb);
      }, accept, timeoutMs);
    },
    stop: off,
  };
}

/** A browser on another replica with the same cookies: what a load balancer does to one user's requests. */
export function via(b: Browser, base: string): Browser {
  const other = new Browser(base, b.defaultHeaders);
  (other as unknown as { jar: Map<string, string> }).jar = b.jar;
  return other;
}

/** flows.ts's enrol/verify only read the stack's clock. */
export function clockStack(clock: Clock): Stack {
  return { clock } as unknown as Stack;
}

/** A clock on real time that enrol/verify can still "advance" (to use the next time-step at once). */
export function realClock(): Clock {
  let skew = 0;
  return {
    get t() {
      return Date.now() + skew;
    },
    now: () => Date.now() + skew,
    advance(ms: number) {
      skew += ms;
    },
  } as Clock;
}

/** Writes a full config file (the test baseline deep-merged with `over`) and loads it as `gatehouse serve` would. */
export function writeConfig(dataDir: string, upstreamUrl: string, over: Obj): { file: string; config: GatehouseConfig } {
  const file = join(dataDir, 'gatehouse.yaml');
  writeFileSync(file, YAML.stringify(deepMerge(baseConfig(upstreamUrl, dataDir), over)));
  return { file, config: loadConfigFile(file) };
}

export function redisOverrides(keyPrefix: string, url = REDIS_URL, policySource: 'file' | 'redis' = 'file'): Obj {
  return { store: { type: 'redis', redis: { url, keyPrefix } }, policy: { source: policySource } };
}

export interface Replica {
  name: string;
  gh: GatehouseApp;
  url: string;
  store: RedisStore;
  config: GatehouseConfig;
  file: string;
  policy: PolicySync | null;
  close(): Promise<void>;
}

export interface Replicas {
  intranet: Intranet;
  clock: Clock;
  keyPrefix: string;
  replicas: Replica[];
  close(): Promise<void>;
}

/**
 * N Gatehouse apps in this process, each with its own data directory, Redis
 * connection and port, all sharing one intranet, one key prefix, one set of
 * secrets and one clock. With policy.source redis each runs the policy sync,
 * as `gatehouse serve` does.
 */
export async function startReplicas(opts: { count?: number; keyPrefix?: string; config?: Obj; policySource?: 'file' | 'redis'; pollMs?: number } = {}): Promise<Replicas> {
  const intranet = await startIntranet({ port: 0, quiet: true });
  const clock = makeClock();
  const keyPrefix = opts.keyPrefix ?? uniquePrefix('replicas');
  const replicas: Replica[] = [];
  const dirs: string[] = [];
  try {
    for (let i = 0; i < (opts.count ?? 2); i++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-replica-'));
      dirs.push(dataDir);
      const { file, config } = writeConfig(dataDir, intranet.url, deepMerge(redisOverrides(keyPrefix, REDIS_URL, opts.policySource), opts.config ?? {}));
      const store = await RedisStore.connect({ url: REDIS_URL, keyPrefix });
      const gh = await buildApp({ config, store, now: clock.now, logger: false });
      const policy = config.policy.source === 'redis' ? await startPolicySync(gh.services, opts.pollMs ? { intervalMs: opts.pollMs } : {}) : null;
      const url = await gh.app.listen({ host: '127.0.0.1', port: 0 });
      replicas.push({
        name: String.fromCharCode(65 + i),
        gh,
        url,
        store,
        config,
        file,
        policy,
        async close() {
          await gh.close();
          await policy?.stop();
          await store.close();
        },
      });
    }
  } catch (err) {
    for (const r of replicas) await r.close();
    await intranet.close();
    throw err;
  }
  return {
    intranet,
    clock,
    keyPrefix,
    replicas,
    async close() {
      for (const r of replicas) await r.close();
      await intranet.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      await removeKeys(keyPrefix);
    },
  };
}

/** An HTTP relay in front of the intranet that records every request it passes on: proof of what was (not) forwarded. */
export async function startRecorder(target: string): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const to = new URL(target);
  const hits: string[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.rawHeaders);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Resolves when `child`'s output contains `text`; rejects if it exits first or after `timeoutMs`. */
function waitForOutput(child: ChildProcess, text: string, what: string, timeoutMs: number, output: () => string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolvePromise();
    };
    const onData = () => {
      if (output().includes(text)) done();
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`${what} exited (${signal ?? code}) before it was ready:\n${output()}`));
    const timer = setTimeout(() => done(new Error(`${what} not ready after ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
    onData();
  });
}

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** SIGKILL, as a crash: only what reached the append-only file survives. */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port and directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, persisting to an
 * append-only file in a temp directory fsynced on every write — so an
 * acknowledged write survives even a SIGKILL, which is the point of the tests
 * that kill it.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'));
  let child: ChildProcess | null = null;
  const launch = async () => {
    let output = '';
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.stdout.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child = c;
    await waitForOutput(c, 'Ready to accept connections', `redis-server on port ${port}`, 10_000, () => output);
  };
  const kill = async () => {
    const c = child;
    if (!c) return;
    c.kill('SIGKILL');
    await exited(c);
    child = null;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface GatehouseProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** `node dist/src/cli.js serve --config FILE` as a child process; resolves once it listens. */
export async function spawnGatehouse(configFile: string, port: number): Promise<GatehouseProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
  let output = '';
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  // Whatever the log level: ready when its health route answers; a child that exits first fails at once.
  let gone = false;
  const exit = exited(child).then(() => {
    gone = true;
  });
  await waitFor('gatehouse serve to listen', async () => {
    if (gone) throw Object.assign(new Error(`gatehouse serve exited (${child.signalCode ?? child.exitCode}):\n${output}`), { fatal: true });
    const res = await fetch(`${url}/_gatehouse/healthz`);
    await res.arrayBuffer();
    return res.ok ? true : undefined;
  }, 20_000, 50).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${output}`);
  });
  void exit;
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], opts: { timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gatehouse ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 20_000} ms:\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    // 'close', not 'exit': all output has been read by then.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}
