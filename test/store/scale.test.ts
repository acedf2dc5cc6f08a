import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite.js';
import { userLockKey } from '../../src/store/common.js';

/**
 * 100,000 users: the listing must stay correct (and indexed) at that size.
 * No timing assertions — speed is proven by the query plan and by `npm run bench`.
 */
const USERS = 100_000;
const name = (i: number) => `user${String(i).padStart(6, '0')}`;
const NOW = 1_700_000_000_000;

describe('SqliteStore at 100,000 users', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-scale-'));
  let store: SqliteStore;

  beforeAll(async () => {
    store = new SqliteStore({ dir });
    // Bulk load through a second connection in one transaction: 100,000 separate
    // store calls would each commit, and the point here is the reads.
    const db = new Database(store.file);
    const insert = db.prepare('INSERT INTO users (user, sealed_secret, enrolled_at, skipped_at, last_seen_at) VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < USERS; i++) {
        const enrolled = i % 3 === 0;
        insert.run(name(i), enrolled ? 'sealed' : null, enrolled ? NOW : null, !enrolled && i % 5 === 0 ? NOW : null, NOW);
      }
    })();
    db.close();
    for (const i of [4242, 4243, 99_999]) {
      for (let k = 0; k < 3; k++) await store.recordFailure(userLockKey(name(i)), NOW + k, { windowMs: 60_000, maxFailures: 3, durationMs: 60_000 });
    }
  }, 60_000);

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should count every user by status', async () => {
    const enrolled = Math.ceil(USERS / 3);
    let skipped = 0;
    for (let i = 0; i < USERS; i++) if (i % 3 !== 0 && i % 5 === 0) skipped++;
    expect(await store.countUsers(NOW + 10)).toEqual({
      total: USERS,
      enrolled,
      skipped,
      notEnrolled: USERS - enrolled - skipped,
      locked: 3,
    });
  });

  it('should find a substring and return the right page with the total', async () => {
    // "424" occurs in user004240..user004249, user042400..user042499 and user0x424x-style names; compute the truth.
    const all = Array.from({ length: USERS }, (_, i) => name(i)).filter((n) => n.includes('424'));
    const page = await store.listUsers({ now: NOW, search: '424', offset: 20, limit: 25 });
    expect(page.total).toBe(all.length);
    expect(page.users.map((u) => u.user)).toEqual(all.slice(20, 45));
  });

  it('should page deep into one status', async () => {
    const enrolled = Array.from({ length: USERS }, (_, i) => i).filter((i) => i % 3 === 0).map(name);
    const page = await store.listUsers({ now: NOW, status: 'enrolled', offset: 30_000, limit: 50 });
    expect(page.total).toBe(enrolled.length);
    expect(page.users.map((u) => u.user)).toEqual(enrolled.slice(30_000, 30_050));
  });

  it('should list locked users from the lock table', async () => {
    const page = await store.listUsers({ now: NOW + 10, status: 'locked', offset: 0, limit: 10 });
    expect(page.users.map((u) => u.user)).toEqual([name(4242), name(4243), name(99_999)]);
  });

  it('should serve status pages and user look-ups from indexes, not table scans', () => {
    const db = new Database(store.file, { readonly: true });
    const plan = (sql: string, ...params: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("SELECT user FROM users u WHERE u.status = 'enrolled' ORDER BY u.user LIMIT 50 OFFSET 100")).toMatch(/USING (COVERING )?INDEX users_status/);
    expect(plan('SELECT * FROM users u WHERE u.user = ?', 'x')).toMatch(/USING INDEX sqlite_autoindex_users_1/);
    expect(plan("SELECT * FROM audit WHERE user = 'x' ORDER BY at DESC, id DESC LIMIT 50")).toMatch(/audit_user_at/);
    expect(plan("SELECT * FROM audit WHERE type = 'failed' AND at < 5 ORDER BY at DESC, id DESC LIMIT 50")).toMatch(/audit_type_at/);
    db.close();
  });
});
