/**
 * Export and import for the SQLite store (`gatehouse store migrate`): users
 * and audit events read in keyset pages, so memory stays bounded and no
 * statement is held open across an await; a user imported in the caller's
 * write transaction under the rule of importable()/mergeImport().
 */
import type Database from 'better-sqlite3';
import { importable, mergeImport, userLockKey } from './common.js';
import { toAuditEvent, toState, USER_COLUMNS, type AuditRow, type UserRow } from './sqlite-rows.js';
import type { AuditEvent, ImportOutcome, UserRecord } from './types.js';

const EXPORT_PAGE = 500;

export interface SqliteTransfer {
  exportUsers(): AsyncIterable<UserRecord>;
  /** Call inside a write transaction. */
  importUser(r: UserRecord, now: number): ImportOutcome;
  exportAudit(after?: string): AsyncIterable<AuditEvent>;
}

export function createSqliteTransfer(db: Database.Database): SqliteTransfer {
  const s = {
    get: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.user = ?`),
    first: db.prepare<[number], UserRow>(`SELECT ${USER_COLUMNS} FROM users u ORDER BY u.user LIMIT ?`),
    after: db.prepare<[string, number], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.user > ? ORDER BY u.user LIMIT ?`),
    codesOf: db.prepare<[string], { hash: string }>('SELECT hash FROM recovery_codes WHERE user = ? ORDER BY hash'),
    auditAfter: db.prepare<[number, number], AuditRow>('SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?'),
    upsert: db.prepare(`INSERT INTO users (user, sealed_secret, enrolled_at, last_time_step, generation, first_prompted_at,
        skipped_at, last_seen_at, last_seen_ip, last_seen_groups, last_verified_at)
      VALUES (@user, @sealedSecret, @enrolledAt, @lastTimeStep, @generation, @firstPromptedAt,
        @skippedAt, @lastSeenAt, @lastSeenIp, @lastSeenGroups, @lastVerifiedAt)
      ON CONFLICT (user) DO UPDATE SET sealed_secret = excluded.sealed_secret, enrolled_at = excluded.enrolled_at,
        last_time_step = excluded.last_time_step, generation = excluded.generation, first_prompted_at = excluded.first_prompted_at,
        skipped_at = excluded.skipped_at, last_seen_at = excluded.last_seen_at, last_seen_ip = excluded.last_seen_ip,
        last_seen_groups = excluded.last_seen_groups, last_verified_at = excluded.last_verified_at`),
    delCodes: db.prepare('DELETE FROM recovery_codes WHERE user = ?'),
    addCode: db.prepare('INSERT OR IGNORE INTO recovery_codes (user, hash) VALUES (?, ?)'),
    group: db.prepare('INSERT OR IGNORE INTO groups_seen (name) VALUES (?)'),
    keepLaterLock: db.prepare('INSERT INTO locks (key, until) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET until = max(until, excluded.until)'),
  };

  return {
    async *exportUsers() {
      let last: string | null = null;
      for (;;) {
        const rows: UserRow[] = last === null ? s.first.all(EXPORT_PAGE) : s.after.all(last, EXPORT_PAGE);
        for (const row of rows) {
          const { recoveryCodesLeft: _left, ...st } = toState(row);
          yield { ...st, lastSeenGroups: [...st.lastSeenGroups], recoveryHashes: s.codesOf.all(st.user).map((c) => c.hash) };
        }
        if (rows.length < EXPORT_PAGE) return;
        last = (rows.at(-1) as UserRow).user;
      }
    },

    importUser(r, now) {
      const row = s.get.get(r.user);
      const current = row ? toState(row) : null;
      if (current && !importable(current)) return 'kept';
      const rec = current ? mergeImport(r, current) : r;
      s.upsert.run({
        user: rec.user,
        sealedSecret: rec.sealedSecret,
        enrolledAt: rec.enrolledAt,
        lastTimeStep: rec.lastTimeStep,
        generation: rec.generation,
        firstPromptedAt: rec.firstPromptedAt,
        skippedAt: rec.skippedAt,
        lastSeenAt: rec.lastSeenAt,
        lastSeenIp: rec.lastSeenIp,
        lastSeenGroups: JSON.stringify(rec.lastSeenGroups),
        lastVerifiedAt: rec.lastVerifiedAt,
      });
      s.delCodes.run(rec.user);
      for (const h of rec.recoveryHashes) s.addCode.run(rec.user, h);
      if (rec.lockedUntil !== null && rec.lockedUntil > now) s.keepLaterLock.run(userLockKey(rec.user), rec.lockedUntil);
      for (const g of rec.lastSeenGroups) s.group.run(g);
      return current ? 'updated' : 'created';
    },

    async *exportAudit(after) {
      let last = after === undefined || after === '' ? 0 : Number(after);
      if (!Number.isSafeInteger(last) || last < 0) throw new RangeError(`exportAudit: '${after}' is not an audit id of this store`);
      for (;;) {
        const rows = s.auditAfter.all(last, EXPORT_PAGE);
        for (const row of rows) yield toAuditEvent(row);
        if (rows.length < EXPORT_PAGE) return;
        last = (rows.at(-1) as AuditRow).id;
      }
    },
  };
}
