import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/config/suggest.js';
import { configWith, reasons } from './helpers.js';

describe('suggestions', () => {
  it.each([
    ['enforced', ['enabledFor', 'exempt', 'enforce', 'skip'], 'enforce'],
    ['enfroce', ['enforce', 'exempt'], 'enforce'],
    ['trusted_ips', ['trustedIps', 'trustedProxies'], 'trustedIps'],
    ['publicURL', ['listen', 'publicUrl', 'prefix'], 'publicUrl'],
    ['remember-devices', ['rememberDevices', 'enforce'], 'rememberDevices'],
    ['gracePeriodMs', ['gracePeriod'], 'gracePeriod'],
  ])('should suggest the nearest key for %s', (typo, keys, expected) => {
    expect(closest(typo, keys)).toBe(expected);
  });

  it('should suggest nothing when no key is close', () => {
    expect(closest('database', ['server', 'upstream', 'identity'])).toBeUndefined();
    expect(closest('x', ['yz', 'abc'])).toBeUndefined();
  });

  it('should count a transposition as one edit', () => {
    expect(editDistance('enforce', 'enfroce')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it("should say twoFactor.enforced: did you mean 'enforce'", () => {
    expect(reasons(() => configWith({ twoFactor: { enforced: false } }))).toEqual([
      "twoFactor.enforced: unknown key; did you mean 'enforce'?",
    ]);
  });

  it('should list the allowed keys when nothing is close', () => {
    expect(reasons(() => configWith({ admin: { everybody: true } }))).toEqual([
      'admin.everybody: unknown key; expected one of: users, groups',
    ]);
  });

  it('should suggest the right section for a key written in the wrong one', () => {
    expect(reasons(() => configWith({ server: { trustedProxies: [] } }))).toEqual([
      "server.trustedProxies: unknown key; did you mean 'network.trustedProxies'?",
    ]);
  });

  it('should suggest enum values', () => {
    expect(reasons(() => configWith({ identity: { source: 'headers' } }))).toEqual([
      "identity.source: 'headers' is not one of: lookup, header; did you mean 'header'?",
    ]);
  });
});
