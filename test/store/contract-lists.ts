/**
 * The listing and audit parts of the store contract (see contract.ts): the
 * console's views, which must agree between stores page for page.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, Store } from '../../src/store/types.js';
import { userLockKey } from '../../src/store/common.js';

export const T0 = 1_700_000_000_000;
export const MIN = 60_000;
export const LOCKOUT = { windowMs: 5 * MIN, maxFailures: 3, durationMs: 15 * MIN };

export function listingContract(current: () => Store): void {
  let store: Store;
  describe('listing', () => {
    beforeEach(() => {
      store = current();
    });
    // 30 users: user00..user24, Alice, alicia, bob, a_b, a%b.
    const seed = async () => {
      const names = [...Array.from({ length: 25 }, (_, i) => `user${String(i).padStart(2, '0')}`), 'Alice', 'alicia', 'bob', 'a_b', 'a%b'];
      for (const n of names) await store.touchUser(n, { at: T0, ip: '', groups: [] });
      for (const n of ['user01', 'user02', 'user03', 'user10', 'Alice']) {
        await store.enrol(n, { sealedSecret: 's', at: T0, timeStep: 1, recoveryHashes: [] });
      }
      for (const n of ['user04', 'user11', 'bob', 'user01']) await store.setSkipped(n, T0); // user01 is enrolled: stays enrolled
      for (let i = 0; i < 3; i++) {
        await store.recordFailure(userLockKey('user02'), T0 + i, LOCKOUT);
        await store.recordFailure(userLockKey('user12'), T0 + i, LOCKOUT);
        await store.recordFailure(userLockKey('ghost'), T0 + i, LOCKOUT); // a lock for a user never seen
      }
      return names;
    };
    const binary = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    const now = T0 + MIN;

    it('should page through all users in name order with the total', async () => {
      const names = (await seed()).sort(binary);
      const seen: string[] = [];
      for (let offset = 0; offset < 40; offset += 7) {
        const page = await store.listUsers({ now, offset, limit: 7 });
        expect(page.total).toBe(30);
        seen.push(...page.users.map((u) => u.user));
      }
      expect(seen).toEqual(names);
      expect((await store.listUsers({ now, offset: 100, limit: 10 })).users).toEqual([]);
    });

    it('should return full user states in listings', async () => {
      await seed();
      const page = await store.listUsers({ now, offset: 0, limit: 50, search: 'user02' });
      expect(page.users).toEqual([await store.getUser('user02')]);
      expect(page.users[0]).toMatchObject({ sealedSecret: 's', lockedUntil: T0 + 2 + LOCKOUT.durationMs });
    });

    it('should search names by substring, ignoring ASCII case, with wildcards taken literally', async () => {
      await seed();
      const search = async (s: string) => {
        const r = await store.listUsers({ now, offset: 0, limit: 100, search: s });
        return { total: r.total, names: r.users.map((u) => u.user) };
      };
      expect(await search('ALI')).toEqual({ total: 2, names: ['Alice', 'alicia'] });
      expect(await search('er1')).toEqual({ total: 10, names: Array.from({ length: 10 }, (_, i) => `user1${i}`) });
      expect(await search('_')).toEqual({ total: 1, names: ['a_b'] });
      expect(await search('%')).toEqual({ total: 1, names: ['a%b'] });
      expect(await search('zzz')).toEqual({ total: 0, names: [] });
      const paged = await store.listUsers({ now, offset: 3, limit: 4, search: 'user1' });
      expect(paged.total).toBe(10);
      expect(paged.users.map((u) => u.user)).toEqual(['user13', 'user14', 'user15', 'user16']);
    });

    it('should filter by status, alone and with a search', async () => {
      await seed();
      const names = async (q: { status: 'enrolled' | 'skipped' | 'not_enrolled' | 'locked'; search?: string; now?: number }) => {
        const r = await store.listUsers({ now, offset: 0, limit: 100, ...q });
        expect(r.total).toBe(r.users.length);
        return r.users.map((u) => u.user);
      };
      expect(await names({ status: 'enrolled' })).toEqual(['Alice', 'user01', 'user02', 'user03', 'user10']);
      expect(await names({ status: 'skipped' })).toEqual(['bob', 'user04', 'user11']);
      expect(await names({ status: 'not_enrolled' })).toHaveLength(30 - 5 - 3);
      expect(await names({ status: 'locked' })).toEqual(['user02', 'user12']);
      expect(await names({ status: 'locked', now: T0 + 2 + LOCKOUT.durationMs })).toEqual([]);
      expect(await names({ status: 'enrolled', search: 'USER0' })).toEqual(['user01', 'user02', 'user03']);
      expect(await names({ status: 'locked', search: '12' })).toEqual(['user12']);
      const page = await store.listUsers({ now, offset: 1, limit: 2, status: 'enrolled' });
      expect(page).toMatchObject({ total: 5 });
      expect(page.users.map((u) => u.user)).toEqual(['user01', 'user02']);
    });

    it('should follow status changes caused by enrolment, skipping and reset', async () => {
      await store.touchUser('carol', { at: T0, ip: '', groups: [] });
      const status = async () => {
        for (const s of ['enrolled', 'skipped', 'not_enrolled'] as const) {
          if ((await store.listUsers({ now, offset: 0, limit: 10, status: s })).total === 1) return s;
        }
        return 'none';
      };
      expect(await status()).toBe('not_enrolled');
      await store.setSkipped('carol', T0);
      expect(await status()).toBe('skipped');
      await store.enrol('carol', { sealedSecret: 's', at: T0, timeStep: 1, recoveryHashes: [] });
      expect(await status()).toBe('enrolled');
      await store.resetUser('carol');
      expect(await status()).toBe('skipped');
    });

    it('should count users by status', async () => {
      await seed();
      expect(await store.countUsers(now)).toEqual({ total: 30, enrolled: 5, skipped: 3, notEnrolled: 22, locked: 2 });
      expect((await store.countUsers(T0 + 2 + LOCKOUT.durationMs)).locked).toBe(0);
    });

    it('should take a backslash in a search literally', async () => {
      for (const n of ['a\\b', 'ab', 'a\\\\b']) await store.touchUser(n, { at: T0, ip: '', groups: [] });
      const r = await store.listUsers({ now, offset: 0, limit: 10, search: '\\' });
      expect(r.users.map((u) => u.user)).toEqual(['a\\\\b', 'a\\b']);
    });

    it('should fold only ASCII case in searches, the same in every store', async () => {
      for (const n of ['Éric', 'éric', 'ERIC']) await store.touchUser(n, { at: T0, ip: '', groups: [] });
      const names = async (search: string) => (await store.listUsers({ now, offset: 0, limit: 10, search })).users.map((u) => u.user);
      expect(await names('ÉR')).toEqual(['Éric']);
      expect(await names('éRIC')).toEqual(['éric']);
      expect(await names('ric')).toEqual(['ERIC', 'Éric', 'éric']);
    });

    it('should clamp absurd page sizes instead of failing', async () => {
      await seed();
      const r = await store.listUsers({ now, offset: -5, limit: 1e9 });
      expect(r.users).toHaveLength(30);
    });
  });
}

export function auditContract(current: () => Store): void {
  let store: Store;
  describe('audit', () => {
    beforeEach(() => {
      store = current();
    });
    const ev = (at: number, type: AuditEvent['type'], user: string, detail: Record<string, unknown> = {}): AuditEvent => ({
      at,
      type,
      user,
      actor: type === 'reset' ? 'admin' : '',
      ip: '10.0.0.1',
      userAgent: 'test',
      detail,
    });

    it('should list events newest first, with filters', async () => {
      const events = [
        ev(T0 + 1, 'verified', 'alice', { remember: true }),
        ev(T0 + 2, 'failed', 'alice', { reason: 'wrong code' }),
        ev(T0 + 3, 'failed', 'bob'),
        ev(T0 + 4, 'reset', 'alice', { by: 'console' }),
        ev(T0 + 5, 'reload_ok', ''),
        ev(T0 + 6, 'failed', 'alice'),
      ];
      for (const e of events) await store.audit(e);
      const strip = (list: AuditEvent[]) => list.map(({ id, ...rest }) => (expect(id).toBeDefined(), rest));

      expect(strip(await store.listAudit({ limit: 10 }))).toEqual([...events].reverse());
      expect(strip(await store.listAudit({ limit: 2 }))).toEqual([events[5], events[4]]);
      expect(strip(await store.listAudit({ limit: 10, user: 'alice' }))).toEqual([events[5], events[3], events[1], events[0]]);
      expect(strip(await store.listAudit({ limit: 10, type: 'failed' }))).toEqual([events[5], events[2], events[1]]);
      expect(strip(await store.listAudit({ limit: 10, user: 'alice', type: 'failed' }))).toEqual([events[5], events[1]]);
      expect(strip(await store.listAudit({ limit: 10, before: T0 + 4 }))).toEqual([events[2], events[1], events[0]]);
      expect(strip(await store.listAudit({ limit: 1, type: 'failed', before: T0 + 6 }))).toEqual([events[2]]);
      expect(strip(await store.listAudit({ limit: 10, user: 'alice', before: T0 + 2 }))).toEqual([events[0]]);
      expect(await store.listAudit({ limit: 10, user: 'nobody' })).toEqual([]);
    });

    it('should page backwards through a long history with before', async () => {
      for (let i = 0; i < 120; i++) await store.audit(ev(T0 + i, i % 3 === 0 ? 'verified' : 'failed', i % 2 ? 'a' : 'b'));
      const ats: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await store.listAudit({ limit: 25, type: 'verified', ...(before === undefined ? {} : { before }) });
        if (page.length === 0) break;
        ats.push(...page.map((e) => e.at));
        before = page.at(-1)?.at;
      }
      expect(ats).toEqual(Array.from({ length: 40 }, (_, i) => T0 + (39 - i) * 3));
    });
  });
}
