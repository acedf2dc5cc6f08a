/**
 * The one conformance suite every Store implementation must pass. Time is
 * moved forward through the `at` / `now` arguments; nothing here sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, Store } from '../../src/store/types.js';
import { userLockKey } from '../../src/store/common.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const LOCKOUT = { windowMs: 5 * MIN, maxFailures: 3, durationMs: 15 * MIN };

export function runStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    const enrolled = async (user: string, step = 100, hashes: string[] = ['h1', 'h2', 'h3']) => {
      await store.touchUser(user, { at: T0, ip: '10.0.0.1', groups: [] });
      return store.enrol(user, { sealedSecret: `sealed-${user}`, at: T0, timeStep: step, recoveryHashes: hashes });
    };

    describe('users', () => {
      it('should answer ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('should return null for a user never seen', async () => {
        expect(await store.getUser('nobody')).toBeNull();
      });

      it('should create a user on first sight with empty state', async () => {
        const s = await store.touchUser('alice', { at: T0, ip: '10.0.0.1', groups: ['staff', 'finance'] });
        expect(s).toMatchObject({
          user: 'alice',
          sealedSecret: null,
          enrolledAt: null,
          lastTimeStep: 0,
          recoveryCodesLeft: 0,
          firstPromptedAt: null,
          skippedAt: null,
          lastSeenAt: T0,
          lastSeenIp: '10.0.0.1',
          lastSeenGroups: ['staff', 'finance'],
          lastVerifiedAt: null,
          lockedUntil: null,
        });
        expect(Number.isInteger(s.generation) && s.generation > 0).toBe(true);
        expect(await store.getUser('alice')).toEqual(s);
      });

      it('should update the sighting and set firstPromptedAt only once', async () => {
        await store.touchUser('alice', { at: T0, ip: '10.0.0.1', groups: [] });
        let s = await store.touchUser('alice', { at: T0 + 1, ip: '10.0.0.2', groups: ['g'], prompted: true });
        expect(s).toMatchObject({ lastSeenAt: T0 + 1, lastSeenIp: '10.0.0.2', lastSeenGroups: ['g'], firstPromptedAt: T0 + 1 });
        s = await store.touchUser('alice', { at: T0 + 2, ip: '::1', groups: [], prompted: true });
        expect(s).toMatchObject({ lastSeenAt: T0 + 2, lastSeenIp: '::1', lastSeenGroups: [], firstPromptedAt: T0 + 1 });
      });

      it('should keep names exactly, including unusual characters', async () => {
        for (const u of ['DOMAIN\\Élodie', 'a:b{c}', 'user with space']) {
          await store.touchUser(u, { at: T0, ip: '', groups: [] });
          expect((await store.getUser(u))?.user).toBe(u);
        }
      });

      it('should remember the users and groups it has seen', async () => {
        await store.touchUser('bob', { at: T0, ip: '', groups: ['b', 'a'] });
        await store.touchUser('alice', { at: T0, ip: '', groups: ['a'] });
        const k = await store.knownNames();
        expect(k.users).toEqual(['alice', 'bob']);
        expect(k.groups).toEqual(['a', 'b']);
      });

      it('should record skipping', async () => {
        await store.touchUser('alice', { at: T0, ip: '', groups: [] });
        await store.setSkipped('alice', T0 + 5);
        expect((await store.getUser('alice'))?.skippedAt).toBe(T0 + 5);
      });
    });

    describe('enrolment and codes', () => {
      it('should store the secret, the confirming step and the recovery codes', async () => {
        const s = await enrolled('alice', 100);
        expect(s).toMatchObject({ sealedSecret: 'sealed-alice', enrolledAt: T0, lastTimeStep: 100, recoveryCodesLeft: 3 });
        expect(await store.getUser('alice')).toEqual(s);
      });

      it('should refuse a replayed, older or stale-generation time-step', async () => {
        const { generation } = await enrolled('alice', 100);
        expect(await store.acceptTimeStep('alice', 100, generation, T0)).toBe(false); // the enrolment code itself
        expect(await store.acceptTimeStep('alice', 101, generation, T0 + 1)).toBe(true);
        expect(await store.acceptTimeStep('alice', 101, generation, T0 + 2)).toBe(false);
        expect(await store.acceptTimeStep('alice', 99, generation, T0 + 3)).toBe(false);
        expect(await store.acceptTimeStep('alice', 102, generation - 1, T0 + 4)).toBe(false);
        expect(await store.acceptTimeStep('alice', 102, generation + 1, T0 + 4)).toBe(false);
        const s = await store.getUser('alice');
        expect(s).toMatchObject({ lastTimeStep: 101, lastVerifiedAt: T0 + 1 });
      });

      it('should refuse time-steps for users who are not enrolled', async () => {
        const s = await store.touchUser('bob', { at: T0, ip: '', groups: [] });
        expect(await store.acceptTimeStep('bob', 5, s.generation, T0)).toBe(false);
        expect(await store.acceptTimeStep('nobody', 5, 1, T0)).toBe(false);
      });

      it('should let exactly one of 20 concurrent callers use a time-step', async () => {
        const { generation } = await enrolled('alice', 100);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.acceptTimeStep('alice', 101, generation, T0)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('should accept each recovery code once', async () => {
        await enrolled('alice');
        expect(await store.useRecoveryCode('alice', 'h2', T0 + 1)).toBe(true);
        expect(await store.useRecoveryCode('alice', 'h2', T0 + 2)).toBe(false);
        expect(await store.useRecoveryCode('alice', 'nope', T0 + 3)).toBe(false);
        expect(await store.useRecoveryCode('bob', 'h1', T0 + 3)).toBe(false);
        expect(await store.getUser('alice')).toMatchObject({ recoveryCodesLeft: 2, lastVerifiedAt: T0 + 1 });
      });

      it('should let exactly one of 20 concurrent callers use a recovery code', async () => {
        await enrolled('alice');
        const results = await Promise.all(Array.from({ length: 20 }, () => store.useRecoveryCode('alice', 'h1', T0)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.getUser('alice'))?.recoveryCodesLeft).toBe(2);
      });

      it('should replace recovery codes, invalidating the old ones', async () => {
        await enrolled('alice');
        await store.replaceRecoveryCodes('alice', ['n1', 'n2']);
        expect((await store.getUser('alice'))?.recoveryCodesLeft).toBe(2);
        expect(await store.useRecoveryCode('alice', 'h1', T0)).toBe(false);
        expect(await store.useRecoveryCode('alice', 'n1', T0)).toBe(true);
      });

      it('should replace codes and secret when enrolling again', async () => {
        await enrolled('alice', 100, ['h1', 'h2']);
        const s = await store.enrol('alice', { sealedSecret: 'second', at: T0 + MIN, timeStep: 200, recoveryHashes: ['x'] });
        expect(s).toMatchObject({ sealedSecret: 'second', enrolledAt: T0 + MIN, lastTimeStep: 200, recoveryCodesLeft: 1 });
        expect(await store.useRecoveryCode('alice', 'h1', T0)).toBe(false);
      });
    });

    describe('reset', () => {
      it('should bump the generation and delete secret, codes and lock', async () => {
        const before = await enrolled('alice');
        for (let i = 0; i < LOCKOUT.maxFailures; i++) await store.recordFailure(userLockKey('alice'), T0 + i, LOCKOUT);
        expect((await store.getUser('alice'))?.lockedUntil).not.toBeNull();

        const generation = await store.resetUser('alice');
        expect(generation).toBe(before.generation + 1);
        const s = await store.getUser('alice');
        expect(s).toMatchObject({ generation, sealedSecret: null, enrolledAt: null, recoveryCodesLeft: 0, lockedUntil: null });
        expect(await store.lockedUntil(userLockKey('alice'), T0 + 10)).toBeNull();
        expect(await store.useRecoveryCode('alice', 'h1', T0)).toBe(false);
        expect(await store.acceptTimeStep('alice', 500, before.generation, T0)).toBe(false);
        // The failure count starts again from zero too.
        expect((await store.recordFailure(userLockKey('alice'), T0 + 20, LOCKOUT)).count).toBe(1);
        // Enrolling again works under the new generation.
        await store.enrol('alice', { sealedSecret: 's2', at: T0, timeStep: 600, recoveryHashes: [] });
        expect(await store.acceptTimeStep('alice', 601, generation, T0)).toBe(true);
      });

      it('should return 0 for a user never seen', async () => {
        expect(await store.resetUser('nobody')).toBe(0);
        expect(await store.getUser('nobody')).toBeNull();
      });
    });

    describe('failures and locks', () => {
      const key = 'ip:10.0.0.9';

      it('should count failures in a sliding window and lock at the threshold', async () => {
        expect(await store.recordFailure(key, T0, LOCKOUT)).toEqual({ count: 1, lockedUntil: null });
        expect(await store.recordFailure(key, T0 + 1 * MIN, LOCKOUT)).toEqual({ count: 2, lockedUntil: null });
        // Five minutes after the second failure both earlier ones have left the window.
        expect(await store.recordFailure(key, T0 + 6 * MIN, LOCKOUT)).toEqual({ count: 1, lockedUntil: null });
        expect(await store.recordFailure(key, T0 + 7 * MIN, LOCKOUT)).toEqual({ count: 2, lockedUntil: null });
        expect(await store.lockedUntil(key, T0 + 7 * MIN)).toBeNull();
        const until = T0 + 8 * MIN + LOCKOUT.durationMs;
        expect(await store.recordFailure(key, T0 + 8 * MIN, LOCKOUT)).toEqual({ count: 3, lockedUntil: until });
        expect(await store.lockedUntil(key, T0 + 8 * MIN + 1)).toBe(until);
        expect(await store.lockedUntil(key, until - 1)).toBe(until);
        expect(await store.lockedUntil(key, until)).toBeNull();
        expect(await store.lockedUntil('ip:10.0.0.10', T0 + 8 * MIN)).toBeNull();
      });

      it('should start a fresh count after a lock', async () => {
        for (let i = 0; i < 3; i++) await store.recordFailure(key, T0 + i, LOCKOUT);
        expect(await store.recordFailure(key, T0 + 10, LOCKOUT)).toEqual({ count: 1, lockedUntil: null });
      });

      it('should show a user lock in the user state', async () => {
        await store.touchUser('alice', { at: T0, ip: '', groups: [] });
        let last = null as number | null;
        for (let i = 0; i < 3; i++) last = (await store.recordFailure(userLockKey('alice'), T0 + i, LOCKOUT)).lockedUntil;
        expect(last).toBe(T0 + 2 + LOCKOUT.durationMs);
        expect((await store.getUser('alice'))?.lockedUntil).toBe(last);
      });

      it('should clear failures and lock', async () => {
        for (let i = 0; i < 3; i++) await store.recordFailure(key, T0 + i, LOCKOUT);
        await store.clearFailures(key);
        expect(await store.lockedUntil(key, T0 + 10)).toBeNull();
        await store.recordFailure(key, T0 + 11, LOCKOUT);
        expect(await store.recordFailure(key, T0 + 12, LOCKOUT)).toEqual({ count: 2, lockedUntil: null });
      });
    });

    describe('listing', () => {
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

      it('should clamp absurd page sizes instead of failing', async () => {
        await seed();
        const r = await store.listUsers({ now, offset: -5, limit: 1e9 });
        expect(r.users).toHaveLength(30);
      });
    });

    describe('audit', () => {
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
  });
}
