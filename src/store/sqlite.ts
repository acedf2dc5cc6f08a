/**
 * The embedded store: one SQLite file, `gatehouse.db` in the data directory.
 *
 * Several processes (cluster workers) may share the file: WAL lets readers
 * run beside the one writer, busy_timeout makes a writer wait for the lock
 * instead of failing, and every write is a BEGIN IMMEDIATE transaction, which
 * takes the write lock up front so a read-then-write cannot be overtaken by
 * another process between its read and its write (the classic SQLITE_BUSY
 * upgrade deadlock of deferred transactions).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations/sqlite/index.js';
import { detailJson, pageOf, userLockKey } from './common.js';
import { toAuditEvent, toState, USER_COLUMNS, userLockRange, type AuditRow, type UserRow } from './sqlite-rows.js';
import { createSqliteTransfer, type SqliteTransfer } from './sqlite-transfer.js';
import type { AuditEvent, AuditQuery, FailureResult, ImportOutcome, Store, UserListQuery, UserRecord, UserState } from './types.js';

export interface SqliteStoreOptions {
  /** Directory holding gatehouse.db (created if missing). */
  dir: string;
  /** How long a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /** Audit rows kept; older ones are pruned as new ones arrive. */
  auditMax?: number;
}

/** Users whose state is kept in memory; past it the cache starts over (cheap, and bounded). */
const STATE_CACHE_ENTRIES = 100_000;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly auditMax: number;
  private auditWrites = 0;
  private readonly s;
  private readonly transfer: SqliteTransfer;

  constructor(opts: SqliteStoreOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.file = join(opts.dir, 'gatehouse.db');
    this.auditMax = opts.auditMax ?? 1_000_000;
    const db = new Database(this.file);
    this.db = db;
    // busy_timeout first: switching to WAL itself needs a lock another worker may hold.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    // NORMAL is the WAL recommendation: durable across process crashes; a power cut can lose the last commits only.
    db.pragma('synchronous = NORMAL');
    migrate(db);
    this.transfer = createSqliteTransfer(db);

    this.s = {
      get: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.user = ?`),
      touch: db.prepare(`INSERT INTO users (user, last_seen_at, last_seen_ip, last_seen_groups, first_prompted_at)
        VALUES (@user, @at, @ip, @groups, @prompted)
        ON CONFLICT (user) DO UPDATE SET last_seen_at = excluded.last_seen_at, last_seen_ip = excluded.last_seen_ip,
          last_seen_groups = excluded.last_seen_groups,
          first_prompted_at = coalesce(users.first_prompted_at, excluded.first_prompted_at)`),
      group: db.prepare('INSERT OR IGNORE INTO groups_seen (name) VALUES (?)'),
      enrol: db.prepare(`INSERT INTO users (user, sealed_secret, enrolled_at, last_time_step) VALUES (@user, @sealed, @at, @step)
        ON CONFLICT (user) DO UPDATE SET sealed_secret = excluded.sealed_secret, enrolled_at = excluded.enrolled_at,
          last_time_step = excluded.last_time_step`),
      delCodes: db.prepare('DELETE FROM recovery_codes WHERE user = ?'),
      addCode: db.prepare('INSERT OR IGNORE INTO recovery_codes (user, hash) VALUES (?, ?)'),
      // One statement: the compare and the set cannot be separated by another writer.
      accept: db.prepare(`UPDATE users SET last_time_step = @step, last_verified_at = @at
        WHERE user = @user AND generation = @generation AND last_time_step < @step AND sealed_secret IS NOT NULL`),
      useCode: db.prepare('DELETE FROM recovery_codes WHERE user = ? AND hash = ?'),
      verified: db.prepare('UPDATE users SET last_verified_at = ? WHERE user = ?'),
      skip: db.prepare(`INSERT INTO users (user, skipped_at) VALUES (?, ?)
        ON CONFLICT (user) DO UPDATE SET skipped_at = excluded.skipped_at`),
      reset: db.prepare(`UPDATE users SET generation = generation + 1, sealed_secret = NULL, enrolled_at = NULL
        WHERE user = ? RETURNING generation`),
      pruneFailures: db.prepare('DELETE FROM failures WHERE at <= ?'),
      pruneLocks: db.prepare('DELETE FROM locks WHERE until <= ?'),
      addFailure: db.prepare('INSERT INTO failures (key, at) VALUES (?, ?)'),
      countFailures: db.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM failures WHERE key = ? AND at > ?'),
      delFailures: db.prepare('DELETE FROM failures WHERE key = ?'),
      setLock: db.prepare('INSERT INTO locks (key, until) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET until = excluded.until'),
      getLock: db.prepare<[string, number], { until: number }>('SELECT until FROM locks WHERE key = ? AND until > ?'),
      delLock: db.prepare('DELETE FROM locks WHERE key = ?'),
      counts: db.prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM users GROUP BY status'),
      countLocked: db.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM locks l JOIN users u ON u.user = substr(l.key, 6)
        WHERE ${userLockRange('l.key')} AND l.until > ?`),
      names: db.prepare<[], { user: string }>('SELECT user FROM users ORDER BY user'),
      groups: db.prepare<[], { name: string }>('SELECT name FROM groups_seen ORDER BY name'),
      audit: db.prepare(`INSERT INTO audit (at, type, user, actor, ip, user_agent, detail)
        VALUES (@at, @type, @user, @actor, @ip, @userAgent, @detail)`),
      pruneAudit: db.prepare('DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?'),
    };
  }

  /** Runs `fn` in BEGIN IMMEDIATE (see the module comment for why not a deferred transaction). */
  private write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } finally {
      // Any write of ours may change any user's state (locks are keyed apart).
      this.states.clear();
    }
  }

  private state(user: string): UserState | null {
    const row = this.s.get.get(user);
    return row ? toState(row) : null;
  }

  /**
   * getUser runs on every verified request, so states are kept in memory and
   * the cache is exact, not timed: our own writes clear it (write() above),
   * and PRAGMA data_version changes exactly when another connection — a
   * cluster worker, the CLI resetting a user — commits, which clears it too.
   *
   * The pragma is a statement execution (≈ 3 µs, the largest cost of a
   * verified request when it ran per call; docs/performance.md), so it runs
   * once per event-loop turn: the first getUser of a turn asks, the rest of
   * the turn trusts the answer, and setImmediate (the check phase, after the
   * poll phase that read this turn's requests) re-arms it. Every request of a
   * turn had arrived before the turn's first getUser ran, so a reset
   * committed before a request arrived is still seen by that request: the
   * guarantee stays "the very next request", with no clock involved.
   */
  private readonly states = new Map<string, UserState | null>();
  private seenDataVersion = -1;
  private dataVersionStmt: Database.Statement | undefined;
  private checkedThisTurn = false;
  private readonly endTurn = (): void => {
    this.checkedThisTurn = false;
  };

  private dataVersion(): number {
    this.dataVersionStmt ??= this.db.prepare('PRAGMA data_version').pluck();
    return this.dataVersionStmt.get() as number;
  }

  /** Clears the cache when another connection committed since we last asked (at most once per turn). */
  private followOtherWriters(): void {
    if (this.checkedThisTurn) return;
    this.checkedThisTurn = true;
    setImmediate(this.endTurn);
    const version = this.dataVersion();
    if (version !== this.seenDataVersion) {
      this.states.clear();
      this.seenDataVersion = version;
    }
  }

  private cachedState(user: string): UserState | null {
    this.followOtherWriters();
    const hit = this.states.get(user);
    if (hit !== undefined) return hit;
    const state = this.state(user);
    const frozen = state ? Object.freeze(state) : null;
    if (this.states.size >= STATE_CACHE_ENTRIES) this.states.clear();
    this.states.set(user, frozen);
    return frozen;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async getUser(user: string): Promise<UserState | null> {
    return this.cachedState(user);
  }

  getUserNow(user: string): UserState | null {
    return this.cachedState(user);
  }

  async touchUser(user: string, seen: { at: number; ip: string; groups: readonly string[]; prompted?: boolean }): Promise<UserState> {
    return this.write(() => {
      this.s.touch.run({
        user,
        at: seen.at,
        ip: seen.ip,
        groups: JSON.stringify([...seen.groups]),
        prompted: seen.prompted ? seen.at : null,
      });
      for (const g of seen.groups) this.s.group.run(g);
      return this.state(user) as UserState;
    });
  }

  async enrol(user: string, e: { sealedSecret: string; at: number; timeStep: number; recoveryHashes: readonly string[] }): Promise<UserState> {
    return this.write(() => {
      this.s.enrol.run({ user, sealed: e.sealedSecret, at: e.at, step: e.timeStep });
      this.s.delCodes.run(user);
      for (const h of e.recoveryHashes) this.s.addCode.run(user, h);
      return this.state(user) as UserState;
    });
  }

  async acceptTimeStep(user: string, timeStep: number, generation: number, at: number): Promise<boolean> {
    return this.write(() => this.s.accept.run({ user, step: timeStep, generation, at }).changes === 1);
  }

  async useRecoveryCode(user: string, hash: string, at: number): Promise<boolean> {
    return this.write(() => {
      if (this.s.useCode.run(user, hash).changes !== 1) return false;
      this.s.verified.run(at, user);
      return true;
    });
  }

  async replaceRecoveryCodes(user: string, hashes: readonly string[]): Promise<void> {
    this.write(() => {
      this.s.delCodes.run(user);
      for (const h of hashes) this.s.addCode.run(user, h);
    });
  }

  async setSkipped(user: string, at: number): Promise<void> {
    this.write(() => this.s.skip.run(user, at));
  }

  /** Returns the new generation, or 0 for a user never seen (nothing to invalidate; the lock is still cleared). */
  async resetUser(user: string): Promise<number> {
    return this.write(() => {
      const key = userLockKey(user);
      this.s.delFailures.run(key);
      this.s.delLock.run(key);
      this.s.delCodes.run(user);
      const row = this.s.reset.get(user) as { generation: number } | undefined;
      return row?.generation ?? 0;
    });
  }

  async recordFailure(key: string, at: number, opts: { windowMs: number; maxFailures: number; durationMs: number }): Promise<FailureResult> {
    return this.write(() => {
      // Rows at or before the window's start can no longer count for anyone; pruning
      // globally keeps the table small when attackers rotate keys (one IP each).
      this.s.pruneFailures.run(at - opts.windowMs);
      this.s.pruneLocks.run(at);
      this.s.addFailure.run(key, at);
      const count = this.s.countFailures.get(key, at - opts.windowMs)?.n ?? 0;
      if (count < opts.maxFailures) return { count, lockedUntil: null };
      const until = at + opts.durationMs;
      this.s.setLock.run(key, until);
      // A fresh budget after the lock, instead of re-locking on the first miss when the lock is shorter than the window.
      this.s.delFailures.run(key);
      return { count, lockedUntil: until };
    });
  }

  async lockedUntil(key: string, now: number): Promise<number | null> {
    return this.s.getLock.get(key, now)?.until ?? null;
  }

  async clearFailures(key: string): Promise<void> {
    this.write(() => {
      this.s.delFailures.run(key);
      this.s.delLock.run(key);
    });
  }

  async listUsers(q: UserListQuery): Promise<{ total: number; users: UserState[] }> {
    const { offset, limit } = pageOf(q);
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (q.status === 'locked') {
      // Driven from the (small) locks table, then a primary-key probe per locked user.
      where.push(`u.user IN (SELECT substr(key, 6) FROM locks WHERE ${userLockRange('key')} AND until > @now)`);
      params.now = q.now;
    } else if (q.status) {
      where.push('u.status = @status');
      params.status = q.status;
    }
    if (q.search) {
      // Substring match is a scan of the user names (no index can serve "contains");
      // at 100,000 users that is a few milliseconds, and only the console asks.
      // LIKE folds ASCII case only, as asciiLower does for the Redis store; it is
      // also twice as fast here as instr(lower(user), ?).
      where.push("u.user LIKE @pattern ESCAPE '\\'");
      params.pattern = `%${q.search.replace(/[\\%_]/g, '\\$&')}%`;
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM users u ${clause}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT ${USER_COLUMNS} FROM users u ${clause} ORDER BY u.user LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit, offset }) as UserRow[];
    return { total, users: rows.map(toState) };
  }

  async countUsers(now: number): Promise<{ total: number; enrolled: number; skipped: number; notEnrolled: number; locked: number }> {
    const by = new Map(this.s.counts.all().map((r) => [r.status, r.n]));
    const enrolled = by.get('enrolled') ?? 0;
    const skipped = by.get('skipped') ?? 0;
    const notEnrolled = by.get('not_enrolled') ?? 0;
    const locked = this.s.countLocked.get(now)?.n ?? 0;
    return { total: enrolled + skipped + notEnrolled, enrolled, skipped, notEnrolled, locked };
  }

  async knownNames(): Promise<{ users: string[]; groups: string[] }> {
    return { users: this.s.names.all().map((r) => r.user), groups: this.s.groups.all().map((r) => r.name) };
  }

  async audit(e: AuditEvent): Promise<void> {
    this.write(() => {
      this.s.audit.run({
        at: e.at,
        type: e.type,
        user: e.user,
        actor: e.actor,
        ip: e.ip,
        userAgent: e.userAgent,
        detail: detailJson(e.detail),
      });
      // Pruning every 1000th write keeps the table bounded at amortised cost.
      if (++this.auditWrites % 1000 === 0) this.s.pruneAudit.run(this.auditMax);
    });
  }

  async listAudit(q: AuditQuery): Promise<AuditEvent[]> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: pageOf({ offset: 0, limit: q.limit }).limit };
    if (q.user !== undefined) {
      where.push('user = @user');
      params.user = q.user;
    }
    if (q.type !== undefined) {
      where.push('type = @type');
      params.type = q.type;
    }
    if (q.before !== undefined) {
      where.push('at < @before');
      params.before = q.before;
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db
      .prepare(`SELECT * FROM audit ${clause} ORDER BY at DESC, id DESC LIMIT @limit`)
      .all(params) as AuditRow[];
    return rows.map(toAuditEvent);
  }

  exportUsers(): AsyncIterable<UserRecord> {
    return this.transfer.exportUsers();
  }

  async importUser(r: UserRecord, now: number): Promise<ImportOutcome> {
    return this.write(() => this.transfer.importUser(r, now));
  }

  exportAudit(after?: string): AsyncIterable<AuditEvent> {
    return this.transfer.exportAudit(after);
  }
}
