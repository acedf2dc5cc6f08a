/**
 * Inputs and outputs of the pure policy decision (DESIGN section 3, step 5).
 * Nothing here knows about HTTP, Fastify, cookies' wire format or the store.
 */
import type { UserState } from '../store/types.js';

/** Who the intranet says is logged in. */
export interface Identity {
  user: string;
  groups: readonly string[];
  roles: readonly string[];
  source: 'header' | 'lookup';
  /**
   * Hash of the intranet credential this identity came with: the value of
   * `identity.sessionCookie`, else the Authorization header. A 2FA session
   * is bound to it, so a new intranet login asks again.
   */
  credential: string;
}

/** A 2FA session cookie whose signature has been checked (contents not yet judged). */
export interface SessionClaim {
  user: string;
  generation: number;
  credential: string;
  /** When the code was entered. */
  verifiedAt: number;
  /** Last time the cookie was refreshed by activity (idle timeout). */
  activeAt: number;
}

/** A remembered-device cookie whose signature has been checked. */
export interface DeviceClaim {
  user: string;
  generation: number;
  expiresAt: number;
  /**
   * When the device was remembered. Optional; when present, the device also
   * stops counting once older than today's `rememberDevices.days`, so an
   * admin who shortens the period does not wait out cookies issued before.
   */
  issuedAt?: number;
}

/** A "skip for now" cookie whose signature has been checked. */
export interface SkipClaim {
  user: string;
  credential: string;
  at: number;
}

export interface Claims {
  session: SessionClaim | null;
  device: DeviceClaim | null;
  skip: SkipClaim | null;
}

export interface DecisionInput {
  identity: Identity | null;
  /** Canonical client address (ipaddr.js toNormalizedString, IPv4-mapped unwrapped); '' if unknown. */
  clientIp: string;
  method: string;
  /** Already normalised by net/path.ts. */
  path: string;
  claims: Claims;
  /** The user's stored state; null when never seen / not needed. */
  state: UserState | null;
  /** Epoch ms; the clock is an argument so tests never sleep. */
  now: number;
}

export type Action = 'forward' | 'challenge' | 'enrol' | 'locked' | 'deny';

export interface Decision {
  action: Action;
  /** Short, human: "trusted IP 10.1.0.0/16", "not in scope", "remembered device until 2027-01-03". */
  reason: string;
  /** Machine tag for metrics/logs: bypass | anonymous | out_of_scope | exempt | trusted_ip | session | device | skipped | challenge | enrol | locked | enrol_untrusted_ip */
  rule: string;
  /** For action 'enrol': may the user skip for now, and until when (null = no deadline). */
  skippable?: boolean;
  skipDeadline?: number | null;
  /** For action 'locked': when to retry. */
  lockedUntil?: number;
}
