/** Builders for policy tests: a full PolicyConfig with overrides, identities, states. */
import type { PolicyConfig } from '../../src/config/types.js';
import type { Claims, DecisionInput, Identity } from '../../src/policy/types.js';
import type { UserState } from '../../src/store/types.js';

export const H = 3_600_000;
export const D = 24 * H;
export const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

type TwoFactor = PolicyConfig['twoFactor'];
export interface Overrides {
  twoFactor?: { [K in keyof TwoFactor]?: Partial<TwoFactor[K]> | TwoFactor[K] };
  bypass?: readonly string[];
  admin?: Partial<PolicyConfig['admin']>;
}

export function policyConfig(o: Overrides = {}): PolicyConfig {
  const base: PolicyConfig = {
    twoFactor: {
      enabledFor: { everyone: false, users: ['alice'], groups: ['finance'], roles: ['approver'] },
      exempt: { users: ['svc-backup'], groups: ['contractors'], roles: ['kiosk'] },
      enforce: true,
      skip: { gracePeriodMs: 14 * D },
      rememberDevices: { enabled: true, days: 30 },
      trustedIps: ['10.1.0.0/16', '2001:db8:aa::/48', '::ffff:192.168.7.0/120'],
      enrolment: { allowFrom: 'anywhere' },
      issuer: 'Example Intranet',
      lockout: { maxFailures: 5, windowMs: 5 * 60_000, durationMs: 15 * 60_000 },
      session: { maxAgeMs: 12 * H, idleTimeoutMs: 2 * H },
      totp: { algorithm: 'sha1', digits: 6, period: 30 },
    },
    bypass: ['/login', '/assets/**', '/health'],
    admin: { users: ['admin'], groups: ['it-admins'] },
    pages: { title: 'Intranet', helpUrl: '', supportContact: '', logoUrl: '', accentColor: '', language: '', texts: {} },
  };
  const tf = { ...base.twoFactor } as Record<string, unknown>;
  for (const [k, v] of Object.entries(o.twoFactor ?? {})) {
    const cur = tf[k];
    tf[k] = Array.isArray(v) || typeof v !== 'object' || v === null ? v : { ...(cur as object), ...v };
  }
  return {
    ...base,
    twoFactor: tf as unknown as TwoFactor,
    bypass: o.bypass ?? base.bypass,
    admin: { ...base.admin, ...o.admin },
  };
}

export function identity(user: string, groups: string[] = [], roles: string[] = [], credential = 'cred-1'): Identity {
  return { user, groups, roles, source: 'lookup', credential };
}

export function enrolled(user: string, extra: Partial<UserState> = {}): UserState {
  return {
    user,
    sealedSecret: 'sealed',
    enrolledAt: NOW - 30 * D,
    lastTimeStep: 0,
    generation: 3,
    recoveryCodesLeft: 10,
    firstPromptedAt: NOW - 31 * D,
    skippedAt: null,
    lastSeenAt: NOW - H,
    lastSeenIp: '',
    lastSeenGroups: [],
    lastVerifiedAt: NOW - H,
    lockedUntil: null,
    ...extra,
  };
}

export function notEnrolled(user: string, extra: Partial<UserState> = {}): UserState {
  return enrolled(user, { sealedSecret: null, enrolledAt: null, generation: 0, lastVerifiedAt: null, ...extra });
}

export const noClaims: Claims = { session: null, device: null, skip: null };

export function input(over: Partial<DecisionInput> = {}): DecisionInput {
  return {
    identity: identity('alice'),
    clientIp: '203.0.113.5',
    method: 'GET',
    path: '/wiki',
    claims: noClaims,
    state: null,
    now: NOW,
    ...over,
  };
}
