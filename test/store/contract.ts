/**
 * The one conformance suite every Store implementation must pass. Time is
 * moved forward through the `at` / `now` arguments; nothing here sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { userLockKey } from '../../src/store/common.js';
import { importContract } from './contract-import.js';
import { auditContract, listingContract, LOCKOUT, MIN, T0 } from './contract-lists.js';

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

    listingContract(() => store);
    auditContract(() => store);
  });
  importContract(name, name, makeStore, makeStore);
}
