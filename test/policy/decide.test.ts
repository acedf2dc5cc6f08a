import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/policy/compile.js';
import { decide, explain, isAdmin, needsState, preDecide } from '../../src/policy/decide.js';
import type { Decision, DecisionInput, SessionClaim } from '../../src/policy/types.js';
import { D, H, NOW, enrolled, identity, input, noClaims, notEnrolled, policyConfig, type Overrides } from './fixtures.js';

const alice = identity('alice');
const session = (over: Partial<SessionClaim> = {}): SessionClaim => ({
  user: 'alice', generation: 3, credential: 'cred-1', verifiedAt: NOW - H, activeAt: NOW - 10 * 60_000, ...over,
});
const withSession = (over: Partial<SessionClaim> = {}) => ({ ...noClaims, session: session(over) });
const withDevice = (over: Partial<{ user: string; generation: number; expiresAt: number; issuedAt: number }> = {}) => ({
  ...noClaims, device: { user: 'alice', generation: 3, expiresAt: Date.UTC(2026, 1, 3), ...over },
});
const withSkip = (user = 'alice', credential = 'cred-1') => ({ ...noClaims, skip: { user, credential, at: NOW - H } });
const notEnforced = (gracePeriodMs: number | null = 14 * D): Overrides => ({ twoFactor: { enforce: false, skip: { gracePeriodMs } } });

type Row = [name: string, config: Overrides, input: Partial<DecisionInput>, want: Partial<Decision>];

const rows: Row[] = [
  // 1. bypass and 2. anonymous
  ['should forward a bypass path without looking further', {}, { path: '/assets/app.js', state: enrolled('alice') }, { action: 'forward', rule: 'bypass', reason: 'bypass rule /assets/**' }],
  ['should not bypass /assets itself', {}, { path: '/assets', state: enrolled('alice') }, { action: 'challenge' }],
  ['should forward anonymous requests to the intranet login', {}, { identity: null }, { action: 'forward', rule: 'anonymous' }],

  // 3. scope: everyone / users / groups / roles, exempt wins
  ['should challenge a listed user', {}, { state: enrolled('alice') }, { action: 'challenge', rule: 'challenge' }],
  ['should challenge a member of a listed group', {}, { identity: identity('bob', ['finance']), state: enrolled('bob') }, { action: 'challenge' }],
  ['should challenge a holder of a listed role', {}, { identity: identity('bob', [], ['approver']), state: enrolled('bob') }, { action: 'challenge' }],
  ['should forward a user out of scope', {}, { identity: identity('bob', ['staff']) }, { action: 'forward', rule: 'out_of_scope', reason: 'not in scope' }],
  ['should challenge anyone when everyone is in scope', { twoFactor: { enabledFor: { everyone: true, users: [], groups: [], roles: [] } } }, { identity: identity('bob', ['staff']), state: enrolled('bob') }, { action: 'challenge' }],
  ['should forward an exempt group member even when everyone is in scope', { twoFactor: { enabledFor: { everyone: true, users: [], groups: [], roles: [] } } }, { identity: identity('carol', ['contractors']) }, { action: 'forward', rule: 'exempt', reason: 'exempt group contractors' }],
  ['should let exempt win over a listed group', {}, { identity: identity('svc-backup', ['finance']) }, { action: 'forward', rule: 'exempt', reason: 'exempt user svc-backup' }],
  ['should let an exempt role win over a listed user', {}, { identity: identity('alice', [], ['kiosk']) }, { action: 'forward', rule: 'exempt', reason: 'exempt role kiosk' }],

  // 4. trusted IPs: no challenge and no set-up prompt
  ['should forward an enrolled user from a trusted IPv4 network', {}, { clientIp: '10.1.4.4', state: enrolled('alice') }, { action: 'forward', rule: 'trusted_ip', reason: 'trusted IP 10.1.0.0/16' }],
  ['should forward an unenrolled user from a trusted network without a set-up prompt', {}, { clientIp: '10.1.4.4', state: notEnrolled('alice') }, { action: 'forward', rule: 'trusted_ip' }],
  ['should forward from a trusted IPv6 network', {}, { clientIp: '2001:db8:aa:0:0:0:0:1' }, { action: 'forward', rule: 'trusted_ip', reason: 'trusted IP 2001:db8:aa::/48' }],
  ['should forward an IPv4 client matching an IPv4-mapped entry', {}, { clientIp: '192.168.7.9' }, { action: 'forward', rule: 'trusted_ip', reason: 'trusted IP ::ffff:192.168.7.0/120' }],
  ['should forward a mapped client address matching an IPv4 entry', {}, { clientIp: '::ffff:10.1.0.1' }, { action: 'forward', rule: 'trusted_ip' }],
  ['should not trust an address next to the trusted network', {}, { clientIp: '10.2.0.1', state: enrolled('alice') }, { action: 'challenge' }],
  ['should not trust an unknown client IP', { twoFactor: { trustedIps: ['0.0.0.0/0', '::/0'] } }, { clientIp: '', state: enrolled('alice') }, { action: 'challenge' }],

  // 6. locked
  ['should lock a locked user out of code entry', {}, { state: enrolled('alice', { lockedUntil: NOW + 60_000 }) }, { action: 'locked', rule: 'locked', lockedUntil: NOW + 60_000 }],
  ['should keep a verified session working while wrong codes elsewhere locked the user', {}, { state: enrolled('alice', { lockedUntil: NOW + 60_000 }), claims: withSession() }, { action: 'forward', rule: 'session' }],
  ['should let a user in again once the lock has expired', {}, { state: enrolled('alice', { lockedUntil: NOW }), claims: withSession() }, { action: 'forward', rule: 'session' }],

  // 7. enrolled: session bound to user, generation, credential; idle and max age
  ['should forward a valid 2FA session', {}, { state: enrolled('alice'), claims: withSession() }, { action: 'forward', rule: 'session', reason: 'valid 2FA session' }],
  ['should challenge a session issued to another user', {}, { state: enrolled('alice'), claims: withSession({ user: 'bob' }) }, { action: 'challenge', reason: '2FA session of another user' }],
  ['should challenge a session from before a reset (old generation)', {}, { state: enrolled('alice', { generation: 4 }), claims: withSession() }, { action: 'challenge', reason: '2FA session from before a reset' }],
  ['should challenge a session from another intranet login (credential)', {}, { identity: identity('alice', [], [], 'cred-2'), state: enrolled('alice'), claims: withSession() }, { action: 'challenge', reason: '2FA session from another intranet login' }],
  ['should challenge a session idle past the idle timeout', {}, { state: enrolled('alice'), claims: withSession({ activeAt: NOW - 2 * H }) }, { action: 'challenge', reason: '2FA session idle for 2h' }],
  ['should accept a session just inside the idle timeout', {}, { state: enrolled('alice'), claims: withSession({ activeAt: NOW - 2 * H + 1 }) }, { action: 'forward', rule: 'session' }],
  ['should challenge a session past its max age even when active', {}, { state: enrolled('alice'), claims: withSession({ verifiedAt: NOW - 12 * H, activeAt: NOW }) }, { action: 'challenge', reason: '2FA session older than 12h' }],
  ['should challenge a session with corrupt times', {}, { state: enrolled('alice'), claims: withSession({ verifiedAt: Number.NaN }) }, { action: 'challenge' }],
  ['should challenge without any cookie', {}, { state: enrolled('alice') }, { action: 'challenge', reason: 'no 2FA session' }],

  // 7. remembered devices
  ['should forward a remembered device', {}, { state: enrolled('alice'), claims: withDevice() }, { action: 'forward', rule: 'device', reason: 'remembered device until 2026-02-03' }],
  ['should ignore a remembered device when remembering is off', { twoFactor: { rememberDevices: { enabled: false, days: 30 } } }, { state: enrolled('alice'), claims: withDevice() }, { action: 'challenge' }],
  ['should ignore the device cookie of another user', {}, { state: enrolled('alice'), claims: withDevice({ user: 'bob' }) }, { action: 'challenge' }],
  ['should ignore a device remembered before a reset', {}, { state: enrolled('alice'), claims: withDevice({ generation: 2 }) }, { action: 'challenge' }],
  ['should ignore an expired device', {}, { state: enrolled('alice'), claims: withDevice({ expiresAt: NOW }) }, { action: 'challenge' }],
  ['should ignore a device older than a shortened remember period', { twoFactor: { rememberDevices: { enabled: true, days: 7 } } }, { state: enrolled('alice'), claims: withDevice({ issuedAt: NOW - 8 * D }) }, { action: 'challenge' }],
  ['should prefer the session over the device', {}, { state: enrolled('alice'), claims: { ...withDevice(), session: session() } }, { action: 'forward', rule: 'session' }],

  // 8. not enrolled: enforce, skip, grace, allowFrom
  ['should require set-up when enforced', {}, { state: notEnrolled('alice') }, { action: 'enrol', rule: 'enrol', skippable: false, skipDeadline: null }],
  ['should require set-up for a user never seen before', {}, { state: null }, { action: 'enrol', skippable: false }],
  ['should ignore a skip cookie when enforced', {}, { state: notEnrolled('alice'), claims: withSkip() }, { action: 'enrol', skippable: false }],
  ['should let a user skip within the grace period', notEnforced(), { state: notEnrolled('alice', { firstPromptedAt: NOW - 13 * D }) }, { action: 'enrol', skippable: true, skipDeadline: NOW + D }],
  ['should start the grace period now for a first prompt', notEnforced(), { state: notEnrolled('alice', { firstPromptedAt: null }) }, { action: 'enrol', skippable: true, skipDeadline: NOW + 14 * D }],
  ['should forward a user who skipped within the grace period', notEnforced(), { state: notEnrolled('alice', { firstPromptedAt: NOW - D }), claims: withSkip() }, { action: 'forward', rule: 'skipped' }],
  ['should not honour a skip cookie from another login', notEnforced(), { state: notEnrolled('alice', { firstPromptedAt: NOW - D }), claims: withSkip('alice', 'cred-old') }, { action: 'enrol', skippable: true }],
  ['should not honour a skip cookie of another user', notEnforced(), { state: notEnrolled('alice', { firstPromptedAt: NOW - D }), claims: withSkip('bob') }, { action: 'enrol', skippable: true }],
  ['should require set-up once the grace period has ended', notEnforced(), { state: notEnrolled('alice', { firstPromptedAt: NOW - 14 * D }), claims: withSkip() }, { action: 'enrol', skippable: false, skipDeadline: NOW, reason: 'grace period ended on 2026-01-10' }],
  ['should let a user skip forever without a grace period', notEnforced(null), { state: notEnrolled('alice', { firstPromptedAt: NOW - 400 * D }) }, { action: 'enrol', skippable: true, skipDeadline: null }],
  ['should forward a skipper forever without a grace period', notEnforced(null), { state: notEnrolled('alice', { firstPromptedAt: NOW - 400 * D }), claims: withSkip() }, { action: 'forward', rule: 'skipped' }],
  ['should deny set-up off the trusted networks when enrolment is restricted', { twoFactor: { enrolment: { allowFrom: 'trustedIps' } } }, { state: notEnrolled('alice') }, { action: 'deny', rule: 'enrol_untrusted_ip', reason: 'set-up only from trusted networks' }],
  ['should deny rather than offer skipping off the trusted networks', { twoFactor: { enforce: false, enrolment: { allowFrom: 'trustedIps' } } }, { state: notEnrolled('alice'), claims: withSkip() }, { action: 'deny', rule: 'enrol_untrusted_ip' }],
  ['should still challenge enrolled users when enrolment is restricted', { twoFactor: { enrolment: { allowFrom: 'trustedIps' } } }, { state: enrolled('alice') }, { action: 'challenge' }],
  ['should forward from a trusted network when enrolment is restricted', { twoFactor: { enrolment: { allowFrom: 'trustedIps' } } }, { clientIp: '10.1.0.9', state: notEnrolled('alice') }, { action: 'forward', rule: 'trusted_ip' }],
];

describe('decide', () => {
  it.each(rows)('%s', (_name, config, over, want) => {
    const policy = compilePolicy(policyConfig(config));
    const i = input(over);
    const d = decide(policy, i);
    expect(d).toMatchObject(want);
    // explain() must reach the same decision, and end on the rule that decided.
    const e = explain(policy, i);
    expect(e.decision).toEqual(d);
    expect(e.steps.at(-1)!.outcome).toBe('decided');
    expect(e.steps.slice(0, -1).every((s) => s.outcome === 'passed')).toBe(true);
    // needsState() tells the truth: when false, the state never matters.
    if (!needsState(policy, i)) {
      expect(decide(policy, { ...i, state: enrolled('alice', { lockedUntil: NOW + 1 }) })).toBe(d);
    }
  });

  it('should be pure: same input, same answer, input untouched', () => {
    const policy = compilePolicy(policyConfig());
    const i = input({ state: enrolled('alice'), claims: withDevice() });
    const copy = structuredClone(i);
    expect(decide(policy, i)).toEqual(decide(policy, i));
    expect(i).toEqual(copy);
  });

  it('should need state only after bypass, identity, scope and trusted IP', () => {
    const policy = compilePolicy(policyConfig());
    expect(needsState(policy, input({ path: '/login' }))).toBe(false);
    expect(needsState(policy, input({ identity: null }))).toBe(false);
    expect(needsState(policy, input({ identity: identity('bob') }))).toBe(false);
    expect(needsState(policy, input({ clientIp: '10.1.0.1' }))).toBe(false);
    expect(needsState(policy, input())).toBe(true);
    expect(preDecide(policy, input())).toBeNull();
  });

  it('should return shared frozen decisions for fixed answers', () => {
    const policy = compilePolicy(policyConfig());
    const a = decide(policy, input({ path: '/login' }));
    expect(decide(policy, input({ path: '/login', identity: null }))).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it('should explain every rule it checked, in order', () => {
    const policy = compilePolicy(policyConfig(notEnforced()));
    const e = explain(policy, input({ state: notEnrolled('alice', { firstPromptedAt: NOW - D }), claims: withSkip() }));
    expect(e.steps.map((s) => s.rule)).toEqual(['bypass', 'identity', 'scope', 'trusted_ip', 'enrolled', 'enrolment_network', 'enforce', 'grace', 'skip']);
    expect(e.steps[2]!.detail).toBe('in scope via user alice');
    expect(e.steps[3]!.detail).toBe('203.0.113.5 is not a trusted IP');
    expect(e.usedState).toBe(true);
    expect(e.decision.rule).toBe('skipped');
  });

  it('should explain why a session and a device did not count', () => {
    const policy = compilePolicy(policyConfig());
    const e = explain(policy, input({ state: enrolled('alice'), claims: { ...withDevice({ generation: 1 }), session: session({ activeAt: NOW - 3 * H }) } }));
    const byRule = Object.fromEntries(e.steps.map((s) => [s.rule, s.detail]));
    expect(byRule.session).toBe('2FA session idle for 2h');
    expect(byRule.device).toBe('remembered device from before a reset');
    expect(e.decision.action).toBe('challenge');
  });

  it('should refuse to compile an invalid trusted IP or bypass pattern', () => {
    expect(() => compilePolicy(policyConfig({ twoFactor: { trustedIps: ['10.0.0.0/40'] } }))).toThrow('10.0.0.0/40');
    expect(() => compilePolicy(policyConfig({ bypass: ['assets/**'] }))).toThrow("bypass pattern 'assets/**'");
  });
});

describe('isAdmin', () => {
  const policy = compilePolicy(policyConfig());
  it.each([
    ['a listed admin user', identity('admin'), true],
    ['a member of an admin group', identity('bob', ['staff', 'it-admins']), true],
    ['anyone else', identity('bob', ['staff']), false],
    ['an anonymous visitor', null, false],
  ])('should judge %s', (_name, id, want) => {
    expect(isAdmin(policy, id)).toBe(want);
  });
});
