import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';

type Any = Record<string, unknown>;
const kind = (s: TSchema) => (s as unknown as Record<symbol, string>)[Kind];

/** Every property schema with its key path. */
function properties(s: TSchema, path = ''): [string, TSchema, boolean][] {
  const out: [string, TSchema, boolean][] = [];
  const props = (s as unknown as Any).properties as Record<string, TSchema> | undefined;
  const required = ((s as unknown as Any).required as string[] | undefined) ?? [];
  for (const [key, child] of Object.entries(props ?? {})) {
    const p = path ? `${path}.${key}` : key;
    out.push([p, child, required.includes(key)]);
    out.push(...properties(child, p));
    const c = child as unknown as Any;
    if (kind(child) === 'Array') out.push(...properties(c.items as TSchema, `${p}[]`));
    if (kind(child) === 'Union') for (const m of c.anyOf as TSchema[]) out.push(...properties(m, p));
  }
  return out;
}

describe('config schema', () => {
  const all = properties(ConfigSchema);

  it('should describe every key', () => {
    const undocumented = all.filter(([, s]) => !(s as unknown as Any).description).map(([p]) => p);
    expect(undocumented).toEqual([]);
  });

  it('should give every optional key an explicit default', () => {
    const missing = all.filter(([, s, required]) => !required && !('default' in s)).map(([p]) => p);
    expect(missing).toEqual([]);
  });

  it('should refuse unknown keys in every mapping except the free text maps', () => {
    const open = all.filter(([, s]) => kind(s) === 'Object' && (s as unknown as Any).additionalProperties !== false).map(([p]) => p);
    expect(open).toEqual([]);
    expect((ConfigSchema as unknown as Any).additionalProperties).toBe(false);
  });

  it('should cover the DESIGN section 8 keys', () => {
    const paths = new Set(all.map(([p]) => p));
    for (const p of [
      'server.listen', 'server.publicUrl', 'server.prefix', 'server.dataDir', 'upstream.url', 'network.trustedProxies',
      'identity.source', 'identity.sessionCookie', 'identity.header.user', 'identity.header.groups', 'identity.lookup.path',
      'identity.lookup.user', 'identity.lookup.groups', 'identity.lookup.roles', 'identity.lookup.cacheTtl',
      'twoFactor.enabledFor.everyone', 'twoFactor.enabledFor.users', 'twoFactor.enabledFor.groups', 'twoFactor.enabledFor.roles',
      'twoFactor.exempt.users', 'twoFactor.enforce', 'twoFactor.skip.gracePeriod', 'twoFactor.rememberDevices.enabled',
      'twoFactor.rememberDevices.days', 'twoFactor.trustedIps', 'twoFactor.enrolment.allowFrom', 'twoFactor.issuer',
      'twoFactor.lockout.maxFailures', 'twoFactor.lockout.window', 'twoFactor.lockout.duration', 'twoFactor.session.maxAge',
      'twoFactor.session.idleTimeout', 'bypass', 'admin.users', 'admin.groups', 'store.type', 'store.redis.url',
      'store.redis.keyPrefix', 'policy.source', 'secrets.cookieKeys', 'secrets.encryptionKey', 'metrics.listen',
      'pages.title', 'pages.helpUrl', 'pages.supportContact',
    ]) {
      expect(paths, p).toContain(p);
    }
  });

  it("should accept the example file with TypeBox's own checker too (it is plain JSON Schema)", () => {
    const raw = parse(readFileSync('config.example.yaml', 'utf8'));
    const filled = Value.Default(ConfigSchema, raw);
    expect([...Value.Errors(ConfigSchema, filled)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
  });
});
