/**
 * Conventions both stores share, kept in one place so the SQLite and Redis
 * implementations cannot drift apart on them (the contract suite checks the
 * behaviour; this keeps the small definitions identical).
 */
import type { UserListQuery, UserRecord, UserState } from './types.js';

/**
 * The failure/lock key of a user: what callers pass to recordFailure for
 * wrong codes, and the lock that UserState.lockedUntil reports and resetUser
 * clears. Other keys ("ip:10.0.0.1") are independent.
 */
export function userLockKey(user: string): string {
  return `user:${user}`;
}
export const USER_LOCK_PREFIX = 'user:';

/**
 * Search folds ASCII letters only. SQLite's built-in lower() and LIKE do the
 * same (full Unicode folding needs the ICU extension), so both stores match
 * exactly the same names.
 */
export function asciiLower(s: string): string {
  // Fast path: for pure-ASCII text the native toLowerCase is exactly ASCII folding.
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** Order of user names in listings: UTF-8 bytes, which is SQLite's BINARY collation and Redis's lexicographic order. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export const MAX_PAGE = 1000;

/** Page bounds are clamped rather than rejected: they come from query strings, and a huge limit must not become a huge query. */
export function pageOf(q: Pick<UserListQuery, 'offset' | 'limit'>): { offset: number; limit: number } {
  const offset = Number.isFinite(q.offset) ? Math.max(0, Math.floor(q.offset)) : 0;
  const limit = Number.isFinite(q.limit) ? Math.max(0, Math.min(MAX_PAGE, Math.floor(q.limit))) : 0;
  return { offset, limit };
}

/** Audit `detail` is free-form; a value that cannot be serialised is recorded as such instead of failing the event. */
export function detailJson(detail: Readonly<Record<string, unknown>>): string {
  try {
    return JSON.stringify(detail ?? {});
  } catch {
    return '{"unserialisable":true}';
  }
}

export function parseDetail(text: string | undefined): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text ?? '{}');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function parseGroups(text: string | undefined | null): string[] {
  try {
    const v: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    return [];
  }
}

/** Redis returns hashes and stream entries as flat [field, value, …] lists from Lua and XRANGE. */
export function hashOf(raw: string[] | Record<string, string>): Record<string, string> {
  if (!Array.isArray(raw)) return raw;
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) h[raw[i] as string] = raw[i + 1] as string;
  return h;
}

/**
 * importUser's rule, shared by both stores (Redis runs the same rule in its
 * ghImport script): a record may only land on a user this store has merely
 * seen — not enrolled, never reset (generation 1), no recovery codes. Anything
 * else here is newer than the copy being imported.
 */
export function importable(current: Pick<UserState, 'sealedSecret' | 'generation' | 'recoveryCodesLeft'>): boolean {
  return current.sealedSecret === null && current.generation === 1 && current.recoveryCodesLeft === 0;
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** The imported record over a user only seen here: the enrolment from the record, the newer sighting, the earliest prompt. */
export function mergeImport(r: UserRecord, current: UserState): UserRecord {
  const hereIsNewer = (current.lastSeenAt ?? -Infinity) > (r.lastSeenAt ?? -Infinity);
  return {
    ...r,
    generation: Math.max(r.generation, current.generation),
    lastTimeStep: Math.max(r.lastTimeStep, current.lastTimeStep),
    firstPromptedAt: minOf(r.firstPromptedAt, current.firstPromptedAt),
    skippedAt: maxOf(r.skippedAt, current.skippedAt),
    lastVerifiedAt: maxOf(r.lastVerifiedAt, current.lastVerifiedAt),
    lockedUntil: maxOf(r.lockedUntil, current.lockedUntil),
    ...(hereIsNewer ? { lastSeenAt: current.lastSeenAt, lastSeenIp: current.lastSeenIp, lastSeenGroups: [...current.lastSeenGroups] } : {}),
  };
}
