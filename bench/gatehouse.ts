/**
 * Gatehouse instances for the bench: a generated YAML config, a store seeded
 * before start (users enrolled through the Store API), the real process
 * (`node dist/src/cli.js serve`), and genuine 2FA session cookies obtained by
 * answering the real challenge with a computed TOTP code.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseConfig } from '../src/config/index.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { NODE_FLAGS } from '../src/server/node-flags.js';
import { codeAt, createSealer, newSecret } from '../src/totp/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startChild, waitForHttp, type Child } from './proc.js';

/** The Gatehouse to measure: this tree's build, or another build's cli.js (BENCH_GATEHOUSE_CLI) to try a change. */
const CLI = process.env.BENCH_GATEHOUSE_CLI || fileURLToPath(new URL('../src/cli.js', import.meta.url));

/** Shared by every instance of one bench run, so one sealed secret serves all stores. */
export interface BenchSecrets {
  cookieKey: string;
  encryptionKey: string;
  /** alice's TOTP secret (base32). */
  totp: string;
}

export function benchSecrets(): BenchSecrets {
  return { cookieKey: randomBytes(24).toString('hex'), encryptionKey: randomBytes(32).toString('base64'), totp: newSecret() };
}

/** The trusted network the "trusted-IP user" comes from (via X-Forwarded-For from a trusted proxy). */
export const TRUSTED_NET = '10.99.0.0/16';
export const TRUSTED_CLIENT = '10.99.1.1';

/**
 * `n` trusted IP entries: TRUSTED_NET plus random IPv4 (and a few IPv6) CIDRs
 * that match neither loopback nor TRUSTED_NET, from a fixed seed so every run
 * judges the same list.
 */
export function trustedIps(n: number): string[] {
  let x = 0x2545f491;
  const rnd = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const out = new Set<string>([TRUSTED_NET]);
  while (out.size < n) {
    if (out.size % 20 === 0) {
      const w = (): string => (rnd() & 0xffff).toString(16);
      out.add(`2001:db8:${w()}:${w()}::/64`);
      continue;
    }
    const a = rnd() % 224;
    if (a === 0 || a === 127 || a === 10) continue;
    const bits = 16 + (rnd() % 17);
    const v = ((a << 24) | (rnd() & 0xffffff)) >>> 0;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const net = (v & mask) >>> 0;
    out.add(`${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${bits}`);
  }
  return [...out];
}

export interface InstanceSpec {
  name: string;
  mode: 'lookup' | 'header';
  cidrs: number;
  users: number;
  /** server.workers: 1 for the single-process measurements, 0 = one per core. */
  workers: number;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Another build's cli.js to run instead of this tree's (A/B comparisons). */
  cli?: string;
  /** A JSON API bearer token (api.tokens), for an instance whose policy the bench changes while it runs. */
  apiToken?: string;
}

export interface Instance {
  spec: InstanceSpec;
  url: string;
  port: number;
  dataDir: string;
  child: Child;
  configFile: string;
  seedMs: number;
  /** performance.now() when the process was spawned (to line up a --cpu-prof profile with the load). */
  spawnedAt: number;
  stop(): Promise<void>;
}

export function configFor(spec: InstanceSpec, port: number, upstreamUrl: string, dataDir: string, secrets: BenchSecrets): Record<string, unknown> {
  const identity =
    spec.mode === 'lookup'
      ? {
          source: 'lookup',
          sessionCookie: 'sid',
          // Long TTL so any look-up counted during a run is a cache miss, not a scheduled refresh.
          lookup: { path: '/api/me', user: { json: 'username' }, groups: { json: 'groups' }, roles: { json: 'roles' }, cacheTtl: '1h' },
        }
      : { source: 'header', sessionCookie: '', header: { user: 'X-Remote-User', groups: 'X-Remote-Groups' } };
  return {
    server: { listen: `127.0.0.1:${port}`, publicUrl: `http://127.0.0.1:${port}`, prefix: '/_gatehouse', dataDir, workers: spec.workers },
    upstream: { url: upstreamUrl },
    // The load generator plays a load balancer: trusted to send X-Forwarded-For and identity headers.
    network: { trustedProxies: ['127.0.0.1'] },
    identity,
    twoFactor: {
      enabledFor: { everyone: false, users: ['alice', 'admin'], groups: ['finance'], roles: [] },
      enforce: true,
      rememberDevices: { enabled: true, days: 30 },
      trustedIps: trustedIps(spec.cidrs),
      issuer: 'Bench Intranet',
    },
    bypass: ['/login', '/logout', '/assets/**', '/favicon.ico'],
    admin: { users: ['admin'], groups: [] },
    secrets: { cookieKeys: [secrets.cookieKey], encryptionKey: secrets.encryptionKey },
    log: { level: 'warn', access: false },
    pages: { title: 'Bench Intranet' },
    ...(spec.apiToken ? { api: { tokens: [{ name: 'bench', token: spec.apiToken }] } } : {}),
  };
}

/**
 * Enrols alice with the bench's TOTP secret and `users - 1` other users,
 * through the Store API. Each Store write is its own BEGIN IMMEDIATE
 * transaction (~120 µs); wrapped in one outer transaction per 10,000 they
 * become savepoints (~27 µs), so 100,000 users take seconds, not minutes.
 */
export async function seedStore(dataDir: string, users: number, secrets: BenchSecrets): Promise<number> {
  const started = performance.now();
  const store = new SqliteStore({ dir: dataDir });
  const sealer = createSealer(secrets.encryptionKey);
  const at = Date.now();
  await store.enrol('alice', { sealedSecret: sealer.seal(secrets.totp), at, timeStep: 0, recoveryHashes: [] });
  await enrolOthers(store, 1, users, sealer.seal(newSecret()), at);
  const counts = await store.countUsers(at);
  await store.close();
  if (counts.enrolled !== users) throw new Error(`seeding ${dataDir}: expected ${users} enrolled users, store has ${counts.enrolled}`);
  return performance.now() - started;
}

/** The store's own better-sqlite3 handle: bulk writes need an outer transaction, shrinking needs SQL (bench only). */
function rawDb(store: SqliteStore): { exec(sql: string): void; pragma(sql: string): unknown; prepare(sql: string): { run(...a: unknown[]): unknown } } {
  return (store as unknown as { db: ReturnType<typeof rawDb> }).db;
}

/** Enrols user<from> … user<to - 1> (any sealed secret), 10,000 per outer transaction. */
async function enrolOthers(store: SqliteStore, from: number, to: number, sealedSecret: string, at: number): Promise<void> {
  const db = rawDb(store);
  const BATCH = 10_000;
  for (let i = from; i < to; i += BATCH) {
    db.exec('BEGIN IMMEDIATE');
    try {
      for (let j = i; j < Math.min(to, i + BATCH); j++) {
        await store.enrol(`user${String(j).padStart(6, '0')}`, { sealedSecret, at, timeStep: 0, recoveryHashes: [] });
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}

/**
 * Grows or shrinks the enrolled users of a running instance's store to
 * `users`, from the bench's own connection: for Gatehouse this is another
 * process writing its store (like a second worker or `gatehouse users`),
 * which it notices through PRAGMA data_version. Shrinking deletes rows,
 * which no Store method does (Gatehouse keeps users), hence the SQL.
 */
export async function resizeUsers(dataDir: string, users: number, secrets: BenchSecrets): Promise<void> {
  const store = new SqliteStore({ dir: dataDir });
  try {
    const at = Date.now();
    const { enrolled } = await store.countUsers(at);
    if (enrolled < users) await enrolOthers(store, enrolled, users, createSealer(secrets.encryptionKey).seal(newSecret()), at);
    if (enrolled > users) {
      rawDb(store).prepare("DELETE FROM users WHERE user LIKE 'user%' AND user >= ?").run(`user${String(users).padStart(6, '0')}`);
    }
    const now = await store.countUsers(at);
    if (now.enrolled !== users) throw new Error(`resizing ${dataDir}: expected ${users} enrolled users, store has ${now.enrolled}`);
    // Fold the WAL back into the database file now rather than during a measured run.
    rawDb(store).pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    await store.close();
  }
  // And write those tens of MB out now: the kernel's writeback would otherwise run during the next runs.
  execFileSync('sync');
}

/**
 * Replaces a running instance's trusted IPs with `n` entries the way an
 * admin does: edit the YAML file, then reload (POST /api/reload, which
 * answers once the new policy is in force or says why it refused).
 * (PUT /api/policy does the same, but its YAML edit, diff and audit of
 * 10,000 entries leave ~35 MB of garbage per call against ~15 MB for a
 * reload, which would read as the instance's RSS under load.)
 */
export async function setTrustedIps(inst: Instance, n: number): Promise<void> {
  const raw = YAML.parse(readFileSync(inst.configFile, 'utf8')) as { twoFactor: { trustedIps: string[] } };
  raw.twoFactor.trustedIps = trustedIps(n);
  writeFileSync(inst.configFile, YAML.stringify(raw));
  const res = await fetch(`${inst.url}/_gatehouse/api/reload`, { method: 'POST', headers: { authorization: `Bearer ${inst.spec.apiToken}` } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`reload with ${n} trusted IPs on '${inst.spec.name}': status ${res.status} ${body.slice(0, 300)}`);
}

export async function startGatehouse(spec: InstanceSpec, upstreamUrl: string, baseDir: string, secrets: BenchSecrets): Promise<Instance> {
  const dir = join(baseDir, spec.name);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const raw = configFor(spec, port, upstreamUrl, dataDir, secrets);
  const configFile = join(dir, 'gatehouse.yaml');
  const text = YAML.stringify(raw);
  // Validate here first: a bench-made config mistake should read as one, not as "Gatehouse did not start".
  parseConfig(text, configFile);
  writeFileSync(configFile, text);
  const seedMs = await seedStore(dataDir, spec.users, secrets);
  const spawnedAt = performance.now();
  const child = startChild(`gatehouse:${spec.name}`, process.execPath, [...deployedNodeFlags(), ...(spec.nodeArgs ?? []), spec.cli ?? CLI, 'serve', '--config', configFile], join(dir, 'gatehouse.log'), {
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/_gatehouse/healthz`, child, 30_000, 200);
  return { spec, url, port, dataDir, child, configFile, seedMs, spawnedAt, stop: () => child.stop() };
}

/**
 * Gatehouse runs with the node flags it is deployed with (the `gatehouse`
 * executable's first line, the systemd unit, the Dockerfile: src/server/node-flags.ts);
 * BENCH_GATEHOUSE_NODE_FLAGS replaces them ('' = Node's defaults) to measure their effect.
 */
function deployedNodeFlags(): readonly string[] {
  const env = process.env.BENCH_GATEHOUSE_NODE_FLAGS;
  return env === undefined ? NODE_FLAGS : env.split(/\s+/).filter(Boolean);
}

function setCookieValue(res: Response, name: string): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const eq = line.indexOf('=');
    if (line.slice(0, eq).trim() === name) return line.slice(eq + 1).split(';')[0]!;
  }
  return undefined;
}

/** Logs `user` in to the demo intranet (directly, as its own login page would) and returns the new `sid`. */
export async function intranetLogin(upstreamUrl: string, user: string): Promise<string> {
  const res = await fetch(`${upstreamUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user, password: `${user}-pw`, next: '/' }).toString(),
  });
  await res.arrayBuffer();
  const sid = setCookieValue(res, 'sid');
  if (!sid) throw new Error(`intranet login of ${user} failed (status ${res.status})`);
  return sid;
}

/**
 * Answers Gatehouse's challenge page like a browser with a phone would:
 * GET the page (CSRF token), POST the current TOTP code; returns the `gh_s`
 * session cookie Gatehouse sets.
 */
export async function passChallenge(ghUrl: string, headers: Record<string, string>, secrets: BenchSecrets): Promise<string> {
  const rd = '/page2k';
  const page = await fetch(`${ghUrl}/_gatehouse/challenge?rd=${encodeURIComponent(rd)}`, { headers: { accept: 'text/html', ...headers }, redirect: 'manual' });
  const html = await page.text();
  const csrf = /name="csrf"[^>]*value="([^"]+)"/.exec(html)?.[1] ?? /value="([^"]+)"[^>]*name="csrf"/.exec(html)?.[1];
  if (page.status !== 200 || !csrf) throw new Error(`challenge page: status ${page.status}, no CSRF token (${html.slice(0, 200)})`);
  const res = await fetch(`${ghUrl}/_gatehouse/challenge`, {
    method: 'POST',
    redirect: 'manual',
    headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ csrf, rd, code: codeAt(secrets.totp, { now: Date.now() }) }).toString(),
  });
  const body = await res.text();
  const gh = setCookieValue(res, 'gh_s');
  if (res.status !== 303 || !gh) throw new Error(`challenge answer: status ${res.status}, no gh_s cookie (${body.slice(0, 200)})`);
  return gh;
}

/** How often Gatehouse renews an active session cookie with the bench's config (src/proxy/plugin.ts refreshEvery). */
const RENEW_EVERY_MS = 60_000;

/**
 * alice's gh_s cookie, kept as a browser keeps it. Gatehouse renews an active
 * session cookie every minute; a browser stores the new one at once, wrk
 * cannot, and would send the old one for the rest of its run (every answer
 * then carries a renewed cookie, which no browser causes). So before a run
 * that would cross the renewal, wait for it and take the new cookie first.
 */
export class SessionCookie {
  private renewedAt = Date.now();
  constructor(public value: string) {}

  async refresh(url: string, headers: () => Record<string, string>, runMs: number): Promise<void> {
    const age = Date.now() - this.renewedAt;
    if (age + runMs + 2_000 > RENEW_EVERY_MS && age <= RENEW_EVERY_MS) await sleep(RENEW_EVERY_MS - age + 500);
    const res = await fetch(url, { headers: headers(), redirect: 'manual' });
    await res.arrayBuffer();
    const fresh = setCookieValue(res, 'gh_s');
    if (fresh) {
      this.value = fresh;
      this.renewedAt = Date.now();
    }
  }
}
