/**
 * Export and import for the Redis store (`gatehouse store migrate`): users
 * walked in name order a page per round trip, the arguments of the ghImport
 * script (which applies importable()/mergeImport() atomically), and audit
 * batches written together with their progress mark in one MULTI.
 */
import type { Cluster, Redis } from 'ioredis';
import { userLockKey } from './common.js';
import { auditCall } from './redis-audit.js';
import { toState } from './redis-state.js';
import type { AuditEvent, UserRecord } from './types.js';

/** Users per round trip when exporting. */
const EXPORT_PAGE = 500;

export async function* scanUserRecords(client: Redis | Cluster, k: (key: string) => string): AsyncIterable<UserRecord> {
  // Every score in the name index is 0, so lexical ranges walk it in order, resuming after the last name.
  let start = '-';
  for (;;) {
    const names = await client.zrangebylex(k('users'), start, '+', 'LIMIT', 0, EXPORT_PAGE);
    if (names.length > 0) {
      const p = client.pipeline();
      for (const u of names) p.hgetall(k(`u:${u}`)).smembers(k(`rc:${u}`)).get(k(`l:${userLockKey(u)}`));
      const res = (await p.exec()) ?? [];
      for (const [i, u] of names.entries()) {
        const part = res.slice(i * 3, i * 3 + 3);
        const err = part.find(([e]) => e)?.[0];
        if (err) throw err;
        const [raw, hashes, lock] = part.map(([, v]) => v) as [Record<string, string>, string[], string | null];
        const st = toState(u, [raw, hashes.length, lock]);
        if (!st) continue;
        const { recoveryCodesLeft: _left, ...rest } = st;
        yield { ...rest, lastSeenGroups: [...st.lastSeenGroups], recoveryHashes: [...hashes].sort() };
      }
    }
    if (names.length < EXPORT_PAGE) return;
    start = `(${names.at(-1) as string}`;
  }
}

/** ARGV of ghImport after the user name (see redis-scripts.ts); '' stands for null. */
export function importArgs(r: UserRecord, now: number): (string | number)[] {
  const opt = (v: number | null) => (v === null ? '' : v);
  return [
    Math.floor(now), userLockKey(r.user), r.sealedSecret ?? '', opt(r.enrolledAt), r.lastTimeStep, r.generation,
    opt(r.firstPromptedAt), opt(r.skippedAt), opt(r.lastSeenAt), r.lastSeenIp, JSON.stringify([...r.lastSeenGroups]),
    opt(r.lastVerifiedAt), opt(r.lockedUntil), r.lastSeenGroups.length, ...r.lastSeenGroups, ...r.recoveryHashes,
  ];
}

export async function appendAuditBatch(
  client: Redis | Cluster,
  prefix: string,
  auditMax: number,
  events: readonly AuditEvent[],
  mark: { key: string; name: string; value: string },
): Promise<void> {
  const m = client.multi();
  // ghAudit is defined on the client (and so on its MULTI) by RedisStore's constructor.
  for (const e of events) (m as unknown as Record<'ghAudit', (...a: (string | number)[]) => unknown>).ghAudit(...auditCall(prefix, e, auditMax));
  m.hset(mark.key, mark.name, mark.value);
  const res = (await m.exec()) ?? [];
  const err = res.find(([e]) => e)?.[0];
  if (err) throw err;
}
