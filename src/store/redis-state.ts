/**
 * How a user is laid out in Redis (the u:<user> hash, rc:<user> set and
 * l:user:<name> lock) and its mapping to UserState, shared by the store and
 * its export (redis-transfer.ts).
 */
import { hashOf, parseGroups } from './common.js';
import type { UserState } from './types.js';

/** What ghTouch/ghEnrol return and what a pipelined read gathers: the user hash, the number of recovery codes, the lock. */
export type RawState = [string[] | Record<string, string>, number, string | null];

const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));

export function toState(user: string, [raw, codes, lock]: RawState): UserState | null {
  const h = hashOf(raw);
  if (h.generation === undefined) return null;
  return {
    user,
    sealedSecret: h.sealedSecret ?? null,
    enrolledAt: num(h.enrolledAt),
    lastTimeStep: num(h.lastTimeStep) ?? 0,
    generation: Number(h.generation),
    recoveryCodesLeft: Number(codes),
    firstPromptedAt: num(h.firstPromptedAt),
    skippedAt: num(h.skippedAt),
    lastSeenAt: num(h.lastSeenAt),
    lastSeenIp: h.lastSeenIp ?? '',
    lastSeenGroups: parseGroups(h.lastSeenGroups),
    lastVerifiedAt: num(h.lastVerifiedAt),
    lockedUntil: lock === null ? null : Number(lock),
  };
}
