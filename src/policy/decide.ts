/**
 * The decision (DESIGN section 3, step 5): a pure function of the compiled
 * policy and the request's facts. No Fastify, no I/O, no clock: `input.now`.
 *
 * One evaluator serves decide() and explain(); explain passes a list that each
 * rule appends to, decide passes null and builds no strings beyond the answer.
 */
import type { CompiledPolicy, SessionProblem } from './compile.js';
import { formatDate, formatDuration, formatTime } from './format.js';
import type { Decision, DecisionInput, Identity } from './types.js';
import type { UserState } from '../store/types.js';

export interface ExplainStep {
  /** bypass | identity | scope | trusted_ip | locked | enrolled | session | device | enrolment_network | enforce | grace | skip */
  rule: string;
  /** 'decided': this rule gave the answer (always the last step); 'passed': checked, did not apply. */
  outcome: 'decided' | 'passed';
  detail: string;
}

export interface Explanation {
  decision: Decision;
  steps: ExplainStep[];
  /** Whether the answer depended on the user's stored state. */
  usedState: boolean;
}

/** What the caller knows before reading the store. */
export type PreDecisionInput = Omit<DecisionInput, 'state'>;

type Trace = ExplainStep[] | null;

const DAY_MS = 86_400_000;

/**
 * Steps (1)-(4): bypass, anonymous, exempt / out of scope, trusted IP. These
 * need no user state; null means "read the user's state and call decide()".
 */
export function preDecide(policy: CompiledPolicy, input: PreDecisionInput, t: Trace = null): Decision | null {
  const d = policy.decisions;
  const pattern = policy.bypass.match(input.path);
  if (pattern !== null) {
    t?.push(decided('bypass', `${input.path} matches bypass rule ${pattern}`));
    return d.bypass.get(pattern)!;
  }
  t?.push(passed('bypass', `no bypass rule matches ${input.path}`));

  const id = input.identity;
  if (id === null) {
    t?.push(decided('identity', 'no intranet login: the intranet handles anonymous users'));
    return d.anonymous;
  }
  t?.push(passed('identity', describe(id)));

  const scope = policy.scope.evaluate(id);
  if (scope.exempt) {
    t?.push(decided('scope', scope.reason));
    return d.exempt.get(scope)!;
  }
  if (!scope.inScope) {
    t?.push(decided('scope', scope.reason));
    return d.outOfScope;
  }
  t?.push(passed('scope', scope.reason));

  // A trusted network skips both the code and the set-up prompt (DESIGN §2).
  const entry = policy.trustedIps.match(input.clientIp);
  if (entry !== null) {
    t?.push(decided('trusted_ip', `${input.clientIp} is in trusted IP ${entry}`));
    return d.trustedIp.get(entry)!;
  }
  t?.push(passed('trusted_ip', input.clientIp === '' ? 'client IP unknown' : `${input.clientIp} is not a trusted IP`));
  return null;
}

/** True when decide() will look at `input.state`: only then read the store. */
export function needsState(policy: CompiledPolicy, input: PreDecisionInput): boolean {
  return preDecide(policy, input) === null;
}

/**
 * The full decision. `input.state` must be the user's stored state whenever
 * needsState() is true; null there means the store has no record of the user
 * (never seen: not enrolled, never prompted). A store that could not be read
 * is not "no record": the caller fails closed (503) instead of passing null,
 * or an enrolled user's visitor would be offered a fresh set-up.
 */
export function decide(policy: CompiledPolicy, input: DecisionInput): Decision {
  return preDecide(policy, input) ?? decideWithState(policy, input, null);
}

/** decide() plus the ordered rules checked and what each found. */
export function explain(policy: CompiledPolicy, input: DecisionInput): Explanation {
  const steps: ExplainStep[] = [];
  const pre = preDecide(policy, input, steps);
  if (pre) return { decision: pre, steps, usedState: false };
  return { decision: decideWithState(policy, input, steps), steps, usedState: true };
}

/** May `identity` open the admin console (config `admin.users` / `admin.groups`)? */
export function isAdmin(policy: CompiledPolicy, identity: Identity | null): boolean {
  if (identity === null) return false;
  if (policy.adminUsers.has(identity.user)) return true;
  if (policy.adminGroups.size === 0) return false;
  for (const g of identity.groups) if (policy.adminGroups.has(g)) return true;
  return false;
}

/** Steps (6)-(8), for an identified, in-scope user off the trusted networks. */
function decideWithState(policy: CompiledPolicy, input: DecisionInput, t: Trace): Decision {
  const id = input.identity!;
  const { now, state, claims } = input;
  const tf = policy.config.twoFactor;
  const d = policy.decisions;

  if (state !== null && state.sealedSecret !== null) {
    t?.push(passed('enrolled', state.enrolledAt === null ? 'enrolled' : `enrolled on ${formatDate(state.enrolledAt)}`));
    const problem = sessionProblem(policy, input, id, state);
    if (problem === null) {
      t?.push(decided('session', 'valid 2FA session for this login'));
      return d.session;
    }
    t?.push(passed('session', d.challenge[problem].reason));

    const device = claims.device;
    if (tf.rememberDevices.enabled && device !== null) {
      const why =
        device.user !== id.user
          ? 'remembered device of another user'
          : device.generation !== state.generation
            ? 'remembered device from before a reset'
            : !(device.expiresAt > now)
              ? `remembered device expired on ${formatDate(device.expiresAt)}`
              : device.issuedAt !== undefined && !(now - device.issuedAt < tf.rememberDevices.days * DAY_MS)
                ? `remembered device older than ${tf.rememberDevices.days} days`
                : null;
      if (why === null) {
        const reason = `remembered device until ${formatDate(device.expiresAt)}`;
        t?.push(decided('device', reason));
        return { action: 'forward', rule: 'device', reason };
      }
      t?.push(passed('device', why));
    } else {
      t?.push(passed('device', tf.rememberDevices.enabled ? 'no remembered device' : 'remembering devices is off'));
    }
    // The lock stops code entry, not work already verified: checked after the
    // session and device so wrong codes typed by someone holding the password
    // cannot throw the real user out of a verified session.
    if (state.lockedUntil !== null && state.lockedUntil > now) {
      t?.push(decided('locked', `locked after repeated wrong codes until ${formatTime(state.lockedUntil)}`));
      return { action: 'locked', rule: 'locked', reason: `locked until ${formatTime(state.lockedUntil)}`, lockedUntil: state.lockedUntil };
    }
    t?.push(passed('locked', 'not locked'));
    t?.push(decided('challenge', 'a code is required'));
    return d.challenge[problem];
  }
  t?.push(passed('enrolled', 'not enrolled'));

  // Off the trusted networks (step 4 forwarded those), a first device may not
  // be set up when enrolment is restricted: a stolen password must not be
  // enough to attach the thief's phone.
  if (tf.enrolment.allowFrom === 'trustedIps') {
    t?.push(decided('enrolment_network', 'set-up is only allowed from trusted IPs'));
    return d.enrolUntrustedIp;
  }
  t?.push(passed('enrolment_network', 'set-up allowed from anywhere'));

  if (tf.enforce) {
    t?.push(decided('enforce', 'set-up is enforced'));
    return d.enrolRequired;
  }
  t?.push(passed('enforce', 'set-up may be skipped'));

  const grace = tf.skip.gracePeriodMs;
  const deadline = grace === null ? null : (state?.firstPromptedAt ?? now) + grace;
  if (deadline !== null && !(now < deadline)) {
    const reason = `grace period ended on ${formatDate(deadline)}`;
    t?.push(decided('grace', reason));
    return { action: 'enrol', rule: 'enrol', reason, skippable: false, skipDeadline: deadline };
  }
  t?.push(passed('grace', deadline === null ? 'no grace limit' : `skipping allowed until ${formatTime(deadline)} (${formatDuration(grace!)} after first prompt)`));

  // The skip cookie is per intranet login, so each new login shows the prompt again.
  const skip = claims.skip;
  if (skip !== null && skip.user === id.user && skip.credential === id.credential) {
    t?.push(decided('skip', 'set-up skipped for this login'));
    return deadline === null
      ? d.skippedForever
      : { action: 'forward', rule: 'skipped', reason: `set-up skipped (allowed until ${formatDate(deadline)})` };
  }
  t?.push(decided('skip', skip === null ? 'not skipped for this login' : 'skip cookie of another user or login'));
  return deadline === null
    ? d.enrolSkippableForever
    : { action: 'enrol', rule: 'enrol', reason: `set-up may be skipped until ${formatDate(deadline)}`, skippable: true, skipDeadline: deadline };
}

/**
 * Null when the session cookie is valid for this user, login and generation
 * and within both limits. Comparisons are written so NaN fails them.
 */
function sessionProblem(policy: CompiledPolicy, input: DecisionInput, id: Identity, state: UserState): SessionProblem | null {
  const s = input.claims.session;
  if (s === null) return 'none';
  if (s.user !== id.user) return 'user';
  if (s.generation !== state.generation) return 'generation';
  if (s.credential !== id.credential) return 'credential';
  const limits = policy.config.twoFactor.session;
  if (!(input.now - s.verifiedAt < limits.maxAgeMs)) return 'max_age';
  if (!(input.now - s.activeAt < limits.idleTimeoutMs)) return 'idle';
  return null;
}

function describe(id: Identity): string {
  const parts = [`user ${id.user}`];
  if (id.groups.length > 0) parts.push(`groups ${id.groups.join(', ')}`);
  if (id.roles.length > 0) parts.push(`roles ${id.roles.join(', ')}`);
  return `${parts.join('; ')} (from ${id.source})`;
}

function decided(rule: string, detail: string): ExplainStep {
  return { rule, outcome: 'decided', detail };
}

function passed(rule: string, detail: string): ExplainStep {
  return { rule, outcome: 'passed', detail };
}
