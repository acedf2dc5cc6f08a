/**
 * The export/import part of the store contract: what `gatehouse store
 * migrate` relies on. Run for every pair of stores (contract.ts runs the
 * same-kind pair; import.test.ts runs SQLite → Redis and back), so a user
 * moved between any two stores comes out exactly as they went in.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userLockKey } from '../../src/store/common.js';
import type { AuditEvent, Store, UserRecord } from '../../src/store/types.js';
import { LOCKOUT, MIN, T0 } from './contract-lists.js';

const NOW = T0 + 10 * MIN;

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Users in every state the migration must carry: enrolled and verified, skipped, locked, reset and enrolled again, only seen. */
async function seed(store: Store): Promise<void> {
  await store.touchUser('alice', { at: T0, ip: '10.0.0.1', groups: ['finance', 'staff'], prompted: true });
  const alice = await store.enrol('alice', { sealedSecret: 'v1.sealed-alice', at: T0 + 1, timeStep: 100, recoveryHashes: ['ha1', 'ha2', 'ha3'] });
  await store.acceptTimeStep('alice', 105, alice.generation, T0 + 2);
  await store.useRecoveryCode('alice', 'ha2', T0 + 3);

  await store.touchUser('bob', { at: T0 + 4, ip: '::1', groups: ['staff'], prompted: true });
  await store.setSkipped('bob', T0 + 5);

  await store.touchUser('carol', { at: T0, ip: '10.0.0.3', groups: [] });
  await store.enrol('carol', { sealedSecret: 'v1.sealed-carol', at: T0, timeStep: 7, recoveryHashes: ['hc'] });
  for (let i = 0; i < LOCKOUT.maxFailures; i++) await store.recordFailure(userLockKey('carol'), NOW - MIN + i, LOCKOUT);

  await store.touchUser('dave', { at: T0, ip: '', groups: [] });
  await store.enrol('dave', { sealedSecret: 'v1.first', at: T0, timeStep: 1, recoveryHashes: ['hd0'] });
  await store.resetUser('dave');
  await store.enrol('dave', { sealedSecret: 'v1.second', at: T0 + 6, timeStep: 50, recoveryHashes: ['hd1'] });

  await store.touchUser('DOMAIN\\Élodie', { at: T0 + 7, ip: '10.0.0.7', groups: ['a:b{c}'] });
}

export function importContract(from: string, to: string, makeSource: () => Promise<Store>, makeTarget: () => Promise<Store>): void {
  describe(`Store export/import: ${from} → ${to}`, () => {
    let source: Store;
    let target: Store;
    beforeEach(async () => {
      source = await makeSource();
      target = await makeTarget();
    });
    afterEach(async () => {
      await source.close();
      await target.close();
    });

    const copyUsers = async () => {
      const outcomes: string[] = [];
      for await (const r of source.exportUsers()) outcomes.push(`${r.user}:${await target.importUser(r, NOW)}`);
      return outcomes;
    };

    it('should export complete user records in name order', async () => {
      await seed(source);
      const records = await all(source.exportUsers());
      expect(records.map((r) => r.user)).toEqual(['DOMAIN\\Élodie', 'alice', 'bob', 'carol', 'dave']);
      const alice = records.find((r) => r.user === 'alice') as UserRecord;
      expect(alice).toEqual({
        user: 'alice',
        sealedSecret: 'v1.sealed-alice',
        enrolledAt: T0 + 1,
        lastTimeStep: 105,
        generation: alice.generation,
        recoveryHashes: ['ha1', 'ha3'],
        firstPromptedAt: T0,
        skippedAt: null,
        lastSeenAt: T0,
        lastSeenIp: '10.0.0.1',
        lastSeenGroups: ['finance', 'staff'],
        lastVerifiedAt: T0 + 3,
        lockedUntil: null,
      });
      const dave = records.find((r) => r.user === 'dave') as UserRecord;
      expect(dave).toMatchObject({ sealedSecret: 'v1.second', generation: alice.generation + 1, recoveryHashes: ['hd1'] });
      expect(records.find((r) => r.user === 'carol')?.lockedUntil).toBe(NOW - MIN + LOCKOUT.maxFailures - 1 + LOCKOUT.durationMs);
    });

    it('should import every user so that the copy exports and behaves exactly like the original', async () => {
      await seed(source);
      expect(await copyUsers()).toEqual(['DOMAIN\\Élodie:created', 'alice:created', 'bob:created', 'carol:created', 'dave:created']);
      expect(await all(target.exportUsers())).toEqual(await all(source.exportUsers()));
      for (const u of ['alice', 'bob', 'carol', 'dave', 'DOMAIN\\Élodie']) expect(await target.getUser(u)).toEqual(await source.getUser(u));
      expect(await target.countUsers(NOW)).toEqual(await source.countUsers(NOW));
      expect((await target.knownNames()).users).toEqual((await source.knownNames()).users);
      expect((await target.knownNames()).groups).toEqual(expect.arrayContaining(['finance', 'staff', 'a:b{c}']));
      expect((await target.listUsers({ now: NOW, offset: 0, limit: 10, status: 'locked' })).users.map((u) => u.user)).toEqual(['carol']);

      // The replay guard, recovery codes, generation and lock came along.
      const alice = (await target.getUser('alice'))!;
      expect(await target.acceptTimeStep('alice', 105, alice.generation, NOW)).toBe(false);
      expect(await target.acceptTimeStep('alice', 106, alice.generation, NOW)).toBe(true);
      expect(await target.useRecoveryCode('alice', 'ha2', NOW)).toBe(false);
      expect(await target.useRecoveryCode('alice', 'ha3', NOW)).toBe(true);
      const dave = (await target.getUser('dave'))!;
      expect(await target.acceptTimeStep('dave', 51, dave.generation - 1, NOW)).toBe(false);
      expect(await target.acceptTimeStep('dave', 51, dave.generation, NOW)).toBe(true);
      expect(await target.lockedUntil(userLockKey('carol'), NOW)).toBe(await source.lockedUntil(userLockKey('carol'), NOW));
      // A reset on the target still works on an imported user.
      expect(await target.resetUser('alice')).toBe(alice.generation + 1);
    });

    it('should be safe to import again: enrolled users are kept, seen-only users come out the same', async () => {
      await seed(source);
      await copyUsers();
      const first = await all(target.exportUsers());
      expect(await copyUsers()).toEqual(['DOMAIN\\Élodie:updated', 'alice:kept', 'bob:updated', 'carol:kept', 'dave:kept']);
      expect(await all(target.exportUsers())).toEqual(first);
    });

    it('should never bring back a secret reset on the target, nor lower its replay guard', async () => {
      await seed(source);
      await copyUsers();
      const generation = await target.resetUser('alice');
      await target.enrol('dave', { sealedSecret: 'v1.enrolled-on-target', at: NOW, timeStep: 900, recoveryHashes: [] });
      expect(await copyUsers()).toContain('alice:kept');
      expect(await target.getUser('alice')).toMatchObject({ sealedSecret: null, generation });
      expect(await target.getUser('dave')).toMatchObject({ sealedSecret: 'v1.enrolled-on-target', lastTimeStep: 900 });
    });

    it('should bring the enrolment to a user the target has only seen, keeping the newer sighting', async () => {
      await seed(source);
      await target.touchUser('alice', { at: NOW, ip: '10.9.9.9', groups: ['new'], prompted: true });
      expect(await target.importUser((await all(source.exportUsers())).find((r) => r.user === 'alice')!, NOW)).toBe('updated');
      expect(await target.getUser('alice')).toMatchObject({
        sealedSecret: 'v1.sealed-alice',
        lastTimeStep: 105,
        recoveryCodesLeft: 2,
        firstPromptedAt: T0,
        lastSeenAt: NOW,
        lastSeenIp: '10.9.9.9',
        lastSeenGroups: ['new'],
      });
      expect((await target.listUsers({ now: NOW, offset: 0, limit: 10, status: 'enrolled' })).users.map((u) => u.user)).toEqual(['alice']);
    });

    it('should not carry a lock that has ended by the time of the import', async () => {
      await seed(source);
      const carol = (await all(source.exportUsers())).find((r) => r.user === 'carol')!;
      await target.importUser(carol, carol.lockedUntil! + 1);
      expect(await target.lockedUntil(userLockKey('carol'), carol.lockedUntil! + 1)).toBeNull();
      expect((await target.getUser('carol'))?.sealedSecret).toBe('v1.sealed-carol');
    });

    it('should export the audit trail oldest first and resume after a given event', async () => {
      const ev = (i: number): AuditEvent => ({
        at: T0 + i,
        type: i % 2 ? 'failed' : 'verified',
        user: i % 3 ? 'alice' : '',
        actor: 'x',
        ip: '10.0.0.1',
        userAgent: 'ua',
        detail: { i },
      });
      const events = Array.from({ length: 603 }, (_, i) => ev(i));
      for (const e of events) await source.audit(e);
      const strip = (list: AuditEvent[]) => list.map(({ id: _id, ...rest }) => rest);
      const exported = await all(source.exportAudit());
      expect(strip(exported)).toEqual(events);
      expect(strip(await all(source.exportAudit(String(exported[520]!.id))))).toEqual(events.slice(521));
      expect(await all(source.exportAudit(String(exported.at(-1)!.id)))).toEqual([]);

      for (const e of exported.slice(0, 10)) await target.audit(e);
      expect(strip(await target.listAudit({ limit: 20 }))).toEqual(events.slice(0, 10).reverse());
      expect(strip(await target.listAudit({ limit: 20, user: 'alice', type: 'failed' }))).toEqual(
        events.slice(0, 10).filter((e) => e.user === 'alice' && e.type === 'failed').reverse(),
      );
    });
  });
}
