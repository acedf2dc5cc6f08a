/**
 * Users as admins see them: one status per user, computed from the stored
 * state and today's policy (scope from the groups they were last seen with),
 * and the two actions on them, reset and unlock, shared by console and API.
 */
import type { Services } from '../gate/services.js';
import type { CompiledPolicy } from '../policy/index.js';
import { userLockKey } from '../store/index.js';
import type { UserState } from '../store/types.js';
import { auditBy, type Actor } from './save.js';

export type StatusKind = 'locked' | 'enrolled' | 'out_of_scope' | 'skipped' | 'not_set_up';

export interface UserStatus {
  kind: StatusKind;
  inScope: boolean;
  /** "in scope via group finance", "exempt user bob", "not in scope". */
  scopeReason: string;
  lockedUntil: number | null;
  /** Skipped: skipping allowed until (null = no deadline). */
  skippedUntil: number | null;
  /**
   * Not set up yet: when set-up becomes mandatory. 0 = at the next login
   * (enforce on), null = never (no grace limit), a time = the grace deadline.
   */
  mustSetUpBy: number | null;
}

/** Stored statuses the store can filter on (out of scope is a policy question). */
export const STORE_STATUSES = ['enrolled', 'skipped', 'not_enrolled', 'locked'] as const;
export type StoreStatus = (typeof STORE_STATUSES)[number];

export function isStoreStatus(v: unknown): v is StoreStatus {
  return typeof v === 'string' && (STORE_STATUSES as readonly string[]).includes(v);
}

export function userStatus(policy: CompiledPolicy, u: UserState, now: number): UserStatus {
  // Roles are not stored, so scope by role cannot be judged here; groups are as last seen.
  const scope = policy.scope.evaluate({ user: u.user, groups: u.lastSeenGroups, roles: [], source: 'header', credential: '' });
  const inScope = scope.inScope && !scope.exempt;
  const tf = policy.config.twoFactor;
  const grace = tf.skip.gracePeriodMs;
  const deadline = tf.enforce ? 0 : grace === null ? null : u.firstPromptedAt === null ? null : u.firstPromptedAt + grace;
  const base = { inScope, scopeReason: scope.reason, lockedUntil: null, skippedUntil: null, mustSetUpBy: null };
  if (u.lockedUntil !== null && u.lockedUntil > now) return { ...base, kind: 'locked', lockedUntil: u.lockedUntil };
  if (u.sealedSecret !== null) return { ...base, kind: 'enrolled' };
  if (!inScope) return { ...base, kind: 'out_of_scope' };
  if (u.skippedAt !== null && deadline !== 0 && (deadline === null || now < deadline)) return { ...base, kind: 'skipped', skippedUntil: deadline };
  return { ...base, kind: 'not_set_up', mustSetUpBy: deadline };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A user for the JSON API: everything the Users tab shows, never the sealed secret. */
export function userJson(policy: CompiledPolicy, u: UserState, now: number): Record<string, unknown> {
  const st = userStatus(policy, u, now);
  return {
    user: u.user,
    status: st.kind,
    inScope: st.inScope,
    scope: st.scopeReason,
    lockedUntil: iso(st.lockedUntil),
    skippedUntil: iso(st.skippedUntil),
    mustSetUpBy: st.mustSetUpBy === 0 ? 'next login' : iso(st.mustSetUpBy),
    enrolledAt: iso(u.enrolledAt),
    recoveryCodesLeft: u.recoveryCodesLeft,
    firstPromptedAt: iso(u.firstPromptedAt),
    skippedAt: iso(u.skippedAt),
    lastSeenAt: iso(u.lastSeenAt),
    lastSeenIp: u.lastSeenIp,
    groups: [...u.lastSeenGroups],
    lastVerifiedAt: iso(u.lastVerifiedAt),
    generation: u.generation,
  };
}

/**
 * Deletes the user's secret and recovery codes and bumps their generation:
 * every remembered device and open 2FA session carries the generation, and
 * the gate compares it on each request, so they end on every replica at once.
 */
export async function resetUser(s: Services, user: string, actor: Actor): Promise<number> {
  const generation = await s.store.resetUser(user);
  await auditBy(s, actor, { type: 'reset', user, detail: { generation } });
  return generation;
}

export async function unlockUser(s: Services, user: string, actor: Actor): Promise<void> {
  await s.store.clearFailures(userLockKey(user));
  await auditBy(s, actor, { type: 'unlocked', user });
}
