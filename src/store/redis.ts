/**
 * The shared store for replicas: users in hashes, atomic operations as Lua
 * scripts (redis-scripts.ts), listings from sorted-set indexes, the audit
 * trail in a capped stream.
 *
 * Keys (after the prefix): u:<user> hash · rc:<user> set of recovery hashes ·
 * f:<key> failure log · l:<key> lock · users, s:enrolled, s:skipped,
 * s:not_enrolled name indexes (ZSETs, score 0, so rank order is byte order) ·
 * locks (ZSET key → until) · groups · audit stream, au:<user> / at:<type>
 * audit indexes · migrations (progress marks of `gatehouse store migrate`). Channel <prefix>events carries {type:'generation',user,generation}
 * after every reset.
 *
 * Search is a substring match, done by walking the name index in chunks from
 * this process: O(users) per search (about 20 round trips at 100,000 users),
 * but Redis is never blocked by a long script. Prefix-only search could use
 * ZRANGEBYLEX if that ever matters.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { asciiLower, compareNames, pageOf, USER_LOCK_PREFIX, userLockKey } from './common.js';
import { readAudit, scanAudit, writeAudit } from './redis-audit.js';
import { createRedisClient, describeRedisUrl, waitForReady, type ConnectionTuning } from './redis-connection.js';
import { scriptKeyCounts, scripts, type ScriptName } from './redis-scripts.js';
import { toState, type RawState } from './redis-state.js';
import { appendAuditBatch, importArgs, scanUserRecords } from './redis-transfer.js';
import type { AuditEvent, AuditQuery, FailureResult, ImportOutcome, Store, UserListQuery, UserRecord, UserState } from './types.js';

export interface RedisStoreOptions extends ConnectionTuning {
  url: string;
  /** Namespaces every key and the events channel. In Cluster mode it gets a {hash tag} if it has none (see below). */
  keyPrefix: string;
  /** Audit entries kept (approximately: trimming is by whole stream node). */
  auditMax?: number;
  /** Connection errors, for logging; the client reconnects on its own whatever this does. */
  onError?: (err: Error) => void;
}

export interface GenerationChange {
  user: string;
  generation: number;
}

type Script = (...args: (string | number)[]) => Promise<unknown>;

const SEARCH_CHUNK = 5000;

/** Redis Cluster runs a script only if all its keys share a hash slot; a {tag} in the prefix puts all of Gatehouse's keys in one. */
export function clusterSafePrefix(prefix: string): string {
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix.replace(/:$/, '') || 'gatehouse'}}:`;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly keyPrefix: string;
  readonly client: Redis | Cluster;
  /** The server(s), for messages: never the password. */
  readonly where: string;
  private readonly auditMax: number;
  private readonly connectTimeoutMs: number;
  private subscriber: Redis | Cluster | null = null;
  private readonly listeners = new Set<(e: GenerationChange) => void>();

  /** Constructs and waits (up to the connect timeout) for the first connection; never throws for an unreachable server. */
  static async connect(opts: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(opts);
    await store.waitReady();
    return store;
  }

  constructor(opts: RedisStoreOptions) {
    const { client, mode } = createRedisClient(opts.url, opts);
    this.client = client;
    this.where = describeRedisUrl(opts.url);
    this.keyPrefix = mode === 'cluster' ? clusterSafePrefix(opts.keyPrefix) : opts.keyPrefix;
    this.auditMax = opts.auditMax ?? 100_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    // Without a listener ioredis prints every failed reconnect attempt to stderr.
    client.on('error', (err: Error) => opts.onError?.(err));
    for (const name of Object.keys(scripts) as ScriptName[]) {
      client.defineCommand(name, { numberOfKeys: scriptKeyCounts[name], lua: scripts[name] });
    }
  }

  /** Resolves true once connected, false after `timeoutMs` (the client keeps trying in the background). */
  waitReady(timeoutMs = this.connectTimeoutMs + 500): Promise<boolean> {
    return waitForReady(this.client, timeoutMs);
  }

  private k(s: string): string {
    return this.keyPrefix + s;
  }

  private userKeys(user: string): string[] {
    const lock = userLockKey(user);
    return [
      this.k(`u:${user}`), this.k(`rc:${user}`), this.k(`l:${lock}`), this.k(`f:${lock}`), this.k('users'),
      this.k('s:enrolled'), this.k('s:skipped'), this.k('s:not_enrolled'), this.k('locks'), this.k('groups'),
    ];
  }

  private run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    return (this.client as unknown as Record<ScriptName, Script>)[name](...keys, ...args);
  }

  private runUser(name: ScriptName, user: string, args: (string | number)[] = []): Promise<unknown> {
    return this.run(name, this.userKeys(user), [user, ...args]);
  }

  async ping(): Promise<void> {
    // Said plainly for readiness and logs, rather than ioredis's "Stream isn't writeable…".
    if (this.client.status !== 'ready') throw new Error(`redis ${this.where} is not connected (${this.client.status})`);
    await this.client.ping();
  }

  async close(): Promise<void> {
    for (const c of [this.subscriber, this.client]) {
      if (!c) continue;
      // quit() waits for replies in flight; a connection that is down cannot answer (and a
      // queueing subscriber would hold QUIT until Redis returns), so cut it instead.
      if (c.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    }
    this.subscriber = null;
  }

  private async states(users: readonly string[]): Promise<(UserState | null)[]> {
    if (users.length === 0) return [];
    const p = this.client.pipeline();
    for (const u of users) p.hgetall(this.k(`u:${u}`)).scard(this.k(`rc:${u}`)).get(this.k(`l:${userLockKey(u)}`));
    const res = (await p.exec()) ?? [];
    return users.map((u, i) => {
      const part = res.slice(i * 3, i * 3 + 3);
      const err = part.find(([e]) => e)?.[0];
      if (err) throw err;
      return toState(u, part.map(([, v]) => v) as RawState);
    });
  }

  async getUser(user: string): Promise<UserState | null> {
    return (await this.states([user]))[0] ?? null;
  }

  async touchUser(user: string, seen: { at: number; ip: string; groups: readonly string[]; prompted?: boolean }): Promise<UserState> {
    const raw = await this.runUser('ghTouch', user, [
      seen.at, seen.ip, JSON.stringify([...seen.groups]), seen.prompted ? '1' : '0', ...seen.groups,
    ]);
    return toState(user, raw as RawState) as UserState;
  }

  async enrol(user: string, e: { sealedSecret: string; at: number; timeStep: number; recoveryHashes: readonly string[] }): Promise<UserState> {
    const raw = await this.runUser('ghEnrol', user, [e.sealedSecret, e.at, e.timeStep, ...e.recoveryHashes]);
    return toState(user, raw as RawState) as UserState;
  }

  async acceptTimeStep(user: string, timeStep: number, generation: number, at: number): Promise<boolean> {
    return (await this.runUser('ghAccept', user, [timeStep, generation, at])) === 1;
  }

  async useRecoveryCode(user: string, hash: string, at: number): Promise<boolean> {
    return (await this.runUser('ghUseCode', user, [hash, at])) === 1;
  }

  async replaceRecoveryCodes(user: string, hashes: readonly string[]): Promise<void> {
    await this.runUser('ghReplaceCodes', user, [...hashes]);
  }

  async setSkipped(user: string, at: number): Promise<void> {
    await this.runUser('ghSkip', user, [at]);
  }

  /** Returns the new generation (0 for a user never seen) and publishes it on `<prefix>events`. */
  async resetUser(user: string): Promise<number> {
    return Number(await this.runUser('ghReset', user, [userLockKey(user), this.k('events')]));
  }

  /**
   * Calls `cb` whenever any replica resets a user, so caches of user state
   * (remembered devices, open sessions) can drop that user at once instead of
   * at their next store read. Returns the unsubscribe function.
   */
  onGenerationChange(cb: (e: GenerationChange) => void): () => void {
    this.listeners.add(cb);
    if (!this.subscriber) {
      // A subscriber connection may queue its SUBSCRIBE until connected, and re-subscribes after reconnecting.
      const c = this.client;
      const sub = c.isCluster ? (c as Cluster).duplicate(undefined, { enableOfflineQueue: true }) : (c as Redis).duplicate({ enableOfflineQueue: true });
      sub.on('error', () => {});
      sub.on('message', (_channel: string, message: string) => {
        let e: GenerationChange;
        try {
          const m = JSON.parse(message) as { type?: string; user?: unknown; generation?: unknown };
          if (m.type !== 'generation' || typeof m.user !== 'string' || typeof m.generation !== 'number') return;
          e = { user: m.user, generation: m.generation };
        } catch {
          return;
        }
        for (const l of this.listeners) {
          try {
            l(e);
          } catch {
            // One failing listener must not starve the others.
          }
        }
      });
      void sub.subscribe(this.k('events')).catch(() => {});
      this.subscriber = sub;
    }
    return () => {
      this.listeners.delete(cb);
      if (this.listeners.size === 0 && this.subscriber) {
        const sub = this.subscriber;
        this.subscriber = null;
        if (sub.status === 'ready') void sub.quit().catch(() => sub.disconnect());
        else sub.disconnect();
      }
    };
  }

  async recordFailure(key: string, at: number, opts: { windowMs: number; maxFailures: number; durationMs: number }): Promise<FailureResult> {
    const [count, until] = (await this.run('ghFail', [this.k(`f:${key}`), this.k(`l:${key}`), this.k('locks')], [
      key, Math.floor(at), Math.max(1, Math.floor(opts.windowMs)), opts.maxFailures,
      Math.max(1, Math.floor(opts.durationMs)), `${at}:${randomUUID()}`,
    ])) as [number, string | null];
    return { count: Number(count), lockedUntil: until === null ? null : Number(until) };
  }

  async lockedUntil(key: string, now: number): Promise<number | null> {
    const v = await this.client.get(this.k(`l:${key}`));
    return v !== null && Number(v) > now ? Number(v) : null;
  }

  async clearFailures(key: string): Promise<void> {
    await this.run('ghClear', [this.k(`f:${key}`), this.k(`l:${key}`), this.k('locks')], [key]);
  }

  /** Names of existing users whose lock is in force at `now`, in name order. */
  private async lockedNames(now: number): Promise<string[]> {
    const keys = await this.client.zrangebyscore(this.k('locks'), `(${now}`, '+inf');
    const names = keys.filter((k) => k.startsWith(USER_LOCK_PREFIX)).map((k) => k.slice(USER_LOCK_PREFIX.length));
    if (names.length === 0) return [];
    const p = this.client.pipeline();
    for (const n of names) p.zscore(this.k('users'), n);
    const res = (await p.exec()) ?? [];
    return names.filter((_, i) => res[i]?.[1] !== null).sort(compareNames);
  }

  async listUsers(q: UserListQuery): Promise<{ total: number; users: UserState[] }> {
    const { offset, limit } = pageOf(q);
    const term = q.search ? asciiLower(q.search) : '';
    const matches = (n: string) => asciiLower(n).includes(term);
    let total: number;
    let page: string[];

    if (q.status === 'locked') {
      const names = (await this.lockedNames(q.now)).filter(matches);
      total = names.length;
      page = names.slice(offset, offset + limit);
    } else {
      const index = this.k(q.status ? `s:${q.status}` : 'users');
      if (!term) {
        total = await this.client.zcard(index);
        page = limit === 0 ? [] : await this.client.zrange(index, offset, offset + limit - 1);
      } else {
        total = 0;
        page = [];
        for (let start = 0; ; start += SEARCH_CHUNK) {
          const chunk = await this.client.zrange(index, start, start + SEARCH_CHUNK - 1);
          for (const n of chunk) {
            if (!matches(n)) continue;
            if (total >= offset && page.length < limit) page.push(n);
            total++;
          }
          if (chunk.length < SEARCH_CHUNK) break;
        }
      }
    }
    const states = await this.states(page);
    return { total, users: states.filter((s): s is UserState => s !== null) };
  }

  async countUsers(now: number): Promise<{ total: number; enrolled: number; skipped: number; notEnrolled: number; locked: number }> {
    const p = this.client.pipeline();
    for (const k of ['users', 's:enrolled', 's:skipped', 's:not_enrolled']) p.zcard(this.k(k));
    const res = (await p.exec()) ?? [];
    const [total, enrolled, skipped, notEnrolled] = res.map(([err, v]) => {
      if (err) throw err;
      return Number(v);
    }) as [number, number, number, number];
    return { total, enrolled, skipped, notEnrolled, locked: (await this.lockedNames(now)).length };
  }

  async knownNames(): Promise<{ users: string[]; groups: string[] }> {
    const [users, groups] = await Promise.all([
      this.client.zrange(this.k('users'), 0, -1),
      this.client.zrange(this.k('groups'), 0, -1),
    ]);
    return { users, groups };
  }

  async audit(e: AuditEvent): Promise<void> {
    await writeAudit(this.client, this.keyPrefix, e, this.auditMax);
  }

  async listAudit(q: AuditQuery): Promise<AuditEvent[]> {
    return readAudit(this.client, this.keyPrefix, q);
  }

  exportUsers(): AsyncIterable<UserRecord> {
    return scanUserRecords(this.client, (key) => this.k(key));
  }

  async importUser(r: UserRecord, now: number): Promise<ImportOutcome> {
    return (await this.runUser('ghImport', r.user, importArgs(r, now))) as ImportOutcome;
  }

  exportAudit(after?: string): AsyncIterable<AuditEvent> {
    return scanAudit(this.client, this.keyPrefix, after);
  }

  /**
   * Appends events in one MULTI together with a progress mark (`gatehouse
   * store migrate`): either the whole batch and its mark land, or neither,
   * so a migration resumed from the mark never copies an event twice.
   */
  importAudit(events: readonly AuditEvent[], mark: { name: string; value: string }): Promise<void> {
    return appendAuditBatch(this.client, this.keyPrefix, this.auditMax, events, { key: this.k('migrations'), ...mark });
  }

  /** The progress mark importAudit last wrote under `name`, or null. */
  async importMark(name: string): Promise<string | null> {
    return this.client.hget(this.k('migrations'), name);
  }
}
