import { describe, expect, it } from 'vitest';
import { mergePolicy, parsePolicyDocument } from '../../src/config/load.js';
import { configError, configWith } from './helpers.js';

const NAME = 'redis:gatehouse:policy';

describe('policy documents (policy.source: redis)', () => {
  it('should validate and fill a policy document alone', () => {
    const p = parsePolicyDocument('twoFactor:\n  enabledFor: { everyone: true }\n  trustedIps: [10.0.0.0/8]\nbypass: [/login]\n', NAME, { env: {} });
    expect(p.twoFactor.enabledFor.everyone).toBe(true);
    expect(p.twoFactor.trustedIps).toEqual(['10.0.0.0/8']);
    expect(p.twoFactor.lockout.windowMs).toBe(300_000);
    expect(p.bypass).toEqual(['/login']);
    expect(p.admin).toEqual({ users: [], groups: [] });
    expect(p.pages.accentColor).toBe('#2457c5');
    expect(Object.isFrozen(p.twoFactor.trustedIps)).toBe(true);
  });

  it('should accept JSON, which is what the console writes', () => {
    const p = parsePolicyDocument(JSON.stringify({ twoFactor: { enforce: false }, admin: { users: ['root'] } }), NAME, { env: {} });
    expect(p.twoFactor.enforce).toBe(false);
    expect(p.admin.users).toEqual(['root']);
  });

  it('should refuse keys that do not belong in a policy document', () => {
    const err = configError(() => parsePolicyDocument('server:\n  listen: 0.0.0.0:80\ntwoFactor:\n  enforced: true\n', NAME, { env: {} }));
    expect(err.message).toBe(
      [
        `${NAME}:1:1: server: unknown key; expected one of: twoFactor, bypass, admin, pages`,
        `${NAME}:4:3: twoFactor.enforced: unknown key; did you mean 'enforce'?`,
      ].join('\n'),
    );
  });

  it('should apply the cross-key policy rules', () => {
    const err = configError(() => parsePolicyDocument('twoFactor:\n  enrolment: { allowFrom: trustedIps }\n', NAME, { env: {} }));
    expect(err.problems.map((p) => p.path)).toEqual(['twoFactor.enrolment.allowFrom']);
  });

  it('should replace only the policy part when merged', () => {
    const config = configWith({ twoFactor: { enforce: true }, bypass: ['/a'] });
    const policy = parsePolicyDocument('twoFactor: { enforce: false }\nbypass: [/b]\npages: { title: Acme }\n', NAME, { env: {} });
    const merged = mergePolicy(config, policy);
    expect(merged.twoFactor.enforce).toBe(false);
    expect(merged.bypass).toEqual(['/b']);
    expect(merged.pages.title).toBe('Acme');
    expect(merged.upstream).toBe(config.upstream);
    expect(merged.file).toBe(config.file);
    expect(config.twoFactor.enforce).toBe(true);
    expect(Object.isFrozen(merged)).toBe(true);
  });
});
