/**
 * The Rollout tab's numbers: of the users in scope, how many have set up,
 * skipped, not yet set up, or were listed by name but never seen, and who
 * must set up by when. Scope depends on the policy, not only on stored
 * status, so this walks every user in pages; the result is cached per
 * policy version for a minute, which is what an admin refreshing the tab needs.
 */
import type { Services } from '../gate/services.js';
import type { UserState } from '../store/types.js';
import { userStatus, type UserStatus } from './users.js';

const PAGE = 1000;
/** A bound on the walk: far above the 100,000 users the console is built for. */
const MAX_USERS = 500_000;
const CACHE_MS = 5 * 60_000;
const MAX_DEADLINES = 200;

export interface PendingUser {
  user: string;
  status: UserStatus;
  firstPromptedAt: number | null;
  lastSeenAt: number | null;
}

export interface Rollout {
  computedAt: number;
  policyVersion: number;
  seen: number;
  inScope: number;
  enrolled: number;
  skipped: number;
  notSetUp: number;
  locked: number;
  /** Named in enabledFor.users but never seen by Gatehouse. */
  listedNeverSeen: string[];
  /** In-scope users who have not set up, soonest deadline first. */
  pending: PendingUser[];
  pendingTotal: number;
  /** The walk stopped at MAX_USERS. */
  truncated: boolean;
}

function deadlineOrder(a: PendingUser, b: PendingUser): number {
  // Next login (0) first, then dated deadlines, then users with no deadline.
  const key = (p: PendingUser) => (p.status.mustSetUpBy ?? p.status.skippedUntil ?? Number.MAX_SAFE_INTEGER);
  return key(a) - key(b) || (a.user < b.user ? -1 : 1);
}

export async function computeRollout(s: Services, now: number): Promise<Rollout> {
  const live = s.runtime.live;
  const listed = new Set(live.config.twoFactor.enabledFor.users);
  const r: Rollout = {
    computedAt: now, policyVersion: live.version, seen: 0, inScope: 0, enrolled: 0, skipped: 0, notSetUp: 0, locked: 0,
    listedNeverSeen: [], pending: [], pendingTotal: 0, truncated: false,
  };
  for (let offset = 0; ; offset += PAGE) {
    if (offset >= MAX_USERS) {
      r.truncated = true;
      break;
    }
    const page = await s.store.listUsers({ now, offset, limit: PAGE });
    for (const u of page.users) count(r, u, userStatus(live.policy, u, now), listed);
    if (page.users.length < PAGE) break;
  }
  r.listedNeverSeen = [...listed].sort();
  r.pending.sort(deadlineOrder);
  r.pending = r.pending.slice(0, MAX_DEADLINES);
  return r;
}

function count(r: Rollout, u: UserState, st: UserStatus, listed: Set<string>): void {
  r.seen++;
  listed.delete(u.user);
  if (!st.inScope) return;
  r.inScope++;
  if (st.kind === 'locked') r.locked++;
  if (u.sealedSecret !== null) {
    r.enrolled++;
    return;
  }
  if (st.kind === 'skipped') r.skipped++;
  else r.notSetUp++;
  r.pendingTotal++;
  // Kept bounded while walking: only the soonest deadlines are shown.
  r.pending.push({ user: u.user, status: st, firstPromptedAt: u.firstPromptedAt, lastSeenAt: u.lastSeenAt });
  if (r.pending.length > MAX_DEADLINES * 4) {
    r.pending.sort(deadlineOrder);
    r.pending.length = MAX_DEADLINES;
  }
}

/** computeRollout behind a short cache, dropped whenever the policy changes. */
export function createRolloutCache(s: Services) {
  let cached: Rollout | null = null;
  let running: Promise<Rollout> | null = null;
  return {
    async get(fresh: boolean): Promise<Rollout> {
      const now = s.now();
      if (!fresh && cached && cached.policyVersion === s.runtime.live.version && now - cached.computedAt < CACHE_MS) return cached;
      // Two admins opening the tab at once share one walk.
      running ??= computeRollout(s, now).finally(() => {
        running = null;
      });
      cached = await running;
      return cached;
    },
  };
}
export type RolloutCache = ReturnType<typeof createRolloutCache>;
