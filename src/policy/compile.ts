/**
 * Turns the validated policy config into the structures decide() reads on
 * every request: the CIDR set, the bypass matcher, the scope tables, and every
 * Decision whose reason is fixed by the config (so the common answers are
 * shared frozen objects, not per-request allocations).
 */
import type { PolicyConfig } from '../config/types.js';
import { compileBypass, type BypassMatcher } from './bypass.js';
import { CidrSet } from './cidr.js';
import { formatDuration } from './format.js';
import { compileScope, type CompiledScope, type ScopeMatch } from './scope.js';
import type { Decision } from './types.js';

/** Why a 2FA session cookie did not count; each maps to one challenge reason. */
export type SessionProblem = 'none' | 'user' | 'generation' | 'credential' | 'max_age' | 'idle';

export interface FixedDecisions {
  readonly anonymous: Decision;
  readonly outOfScope: Decision;
  readonly session: Decision;
  readonly enrolUntrustedIp: Decision;
  readonly enrolRequired: Decision;
  readonly enrolSkippableForever: Decision;
  readonly skippedForever: Decision;
  readonly challenge: Readonly<Record<SessionProblem, Decision>>;
  readonly bypass: ReadonlyMap<string, Decision>;
  readonly trustedIp: ReadonlyMap<string, Decision>;
  readonly exempt: ReadonlyMap<ScopeMatch, Decision>;
}

export interface CompiledPolicy {
  /** The config this was compiled from (already deep-frozen by config/load). */
  readonly config: PolicyConfig;
  readonly trustedIps: CidrSet;
  readonly bypass: BypassMatcher;
  readonly scope: CompiledScope;
  readonly adminUsers: ReadonlySet<string>;
  readonly adminGroups: ReadonlySet<string>;
  readonly decisions: FixedDecisions;
}

function fixed(action: Decision['action'], rule: string, reason: string, extra?: Partial<Decision>): Decision {
  return Object.freeze({ action, rule, reason, ...extra });
}

/**
 * Compiles `config`; throws an Error naming the bad entry when a trusted IP
 * or bypass pattern is invalid (config validation calls this to check them).
 */
export function compilePolicy(config: PolicyConfig): CompiledPolicy {
  const tf = config.twoFactor;
  const trustedIps = new CidrSet(tf.trustedIps);
  const bypass = compileBypass(config.bypass);
  const scope = compileScope(tf.enabledFor, tf.exempt);

  const bypassDecisions = new Map<string, Decision>();
  for (const p of config.bypass) bypassDecisions.set(p, fixed('forward', 'bypass', `bypass rule ${p}`));
  const trustedDecisions = new Map<string, Decision>();
  for (const e of trustedIps.entries) trustedDecisions.set(e, fixed('forward', 'trusted_ip', `trusted IP ${e}`));
  // Exempt answers are ScopeMatch objects built once by compileScope; key on them.
  const exemptDecisions = new Map<ScopeMatch, Decision>();
  for (const match of scope.exemptions) exemptDecisions.set(match, fixed('forward', 'exempt', match.reason));

  const maxAge = formatDuration(tf.session.maxAgeMs);
  const idle = formatDuration(tf.session.idleTimeoutMs);
  const challenge = (reason: string): Decision => fixed('challenge', 'challenge', reason);

  const decisions: FixedDecisions = Object.freeze({
    anonymous: fixed('forward', 'anonymous', 'no intranet login'),
    outOfScope: fixed('forward', 'out_of_scope', 'not in scope'),
    session: fixed('forward', 'session', 'valid 2FA session'),
    enrolUntrustedIp: fixed('deny', 'enrol_untrusted_ip', 'set-up only from trusted networks'),
    enrolRequired: fixed('enrol', 'enrol', 'set-up required', { skippable: false, skipDeadline: null }),
    enrolSkippableForever: fixed('enrol', 'enrol', 'set-up may be skipped', { skippable: true, skipDeadline: null }),
    skippedForever: fixed('forward', 'skipped', 'set-up skipped'),
    challenge: Object.freeze({
      none: challenge('no 2FA session'),
      user: challenge('2FA session of another user'),
      generation: challenge('2FA session from before a reset'),
      credential: challenge('2FA session from another intranet login'),
      max_age: challenge(`2FA session older than ${maxAge}`),
      idle: challenge(`2FA session idle for ${idle}`),
    }),
    bypass: bypassDecisions,
    trustedIp: trustedDecisions,
    exempt: exemptDecisions,
  });

  return Object.freeze({
    config,
    trustedIps,
    bypass,
    scope,
    adminUsers: new Set(config.admin.users),
    adminGroups: new Set(config.admin.groups),
    decisions,
  });
}
