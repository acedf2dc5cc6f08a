/**
 * The SQLite store's rows and their mapping to the Store's types, shared by
 * the store itself and its export/import (sqlite-transfer.ts).
 */
import { parseDetail, parseGroups, USER_LOCK_PREFIX } from './common.js';
import type { AuditEvent, AuditType, UserState } from './types.js';

export interface UserRow {
  user: string;
  sealed_secret: string | null;
  enrolled_at: number | null;
  last_time_step: number;
  generation: number;
  first_prompted_at: number | null;
  skipped_at: number | null;
  last_seen_at: number | null;
  last_seen_ip: string;
  last_seen_groups: string;
  last_verified_at: number | null;
  recovery_left: number;
  locked_until: number | null;
}

export interface AuditRow {
  id: number;
  at: number;
  type: string;
  user: string;
  actor: string;
  ip: string;
  user_agent: string;
  detail: string;
}

// Lock keys of users sort between 'user:' and 'user;' (';' follows ':'), a range the locks primary key can scan.
export const userLockRange = (col: string): string => `${col} >= '${USER_LOCK_PREFIX}' AND ${col} < 'user;'`;

export const USER_COLUMNS = `u.user, u.sealed_secret, u.enrolled_at, u.last_time_step, u.generation, u.first_prompted_at,
  u.skipped_at, u.last_seen_at, u.last_seen_ip, u.last_seen_groups, u.last_verified_at,
  (SELECT count(*) FROM recovery_codes r WHERE r.user = u.user) AS recovery_left,
  (SELECT until FROM locks l WHERE l.key = '${USER_LOCK_PREFIX}' || u.user) AS locked_until`;

export function toAuditEvent(r: AuditRow): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    type: r.type as AuditType,
    user: r.user,
    actor: r.actor,
    ip: r.ip,
    userAgent: r.user_agent,
    detail: parseDetail(r.detail),
  };
}

export function toState(r: UserRow): UserState {
  return {
    user: r.user,
    sealedSecret: r.sealed_secret,
    enrolledAt: r.enrolled_at,
    lastTimeStep: r.last_time_step,
    generation: r.generation,
    recoveryCodesLeft: r.recovery_left,
    firstPromptedAt: r.first_prompted_at,
    skippedAt: r.skipped_at,
    lastSeenAt: r.last_seen_at,
    lastSeenIp: r.last_seen_ip,
    lastSeenGroups: parseGroups(r.last_seen_groups),
    lastVerifiedAt: r.last_verified_at,
    lockedUntil: r.locked_until,
  };
}
