import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { configError } from './helpers.js';

const dir = 'test/fixtures/config';
const load = (name: string) => () => loadConfigFile(`${dir}/${name}.yaml`, { env: {} });

// One fixture per kind of mistake, with the exact message an admin sees.
const cases: [fixture: string, message: string][] = [
  ['syntax-error', `${dir}/syntax-error.yaml:11:12: YAML syntax error: Nested mappings are not allowed in compact mappings`],
  ['unknown-key', `${dir}/unknown-key.yaml:11:3: twoFactor.enforced: unknown key; did you mean 'enforce'?`],
  ['misplaced-key', `${dir}/misplaced-key.yaml:10:1: trustedIps: unknown key; did you mean 'twoFactor.trustedIps'?`],
  ['wrong-type-boolean', `${dir}/wrong-type-boolean.yaml:11:12: twoFactor.enforce: expected true or false, got 'yes'`],
  ['wrong-type-list', `${dir}/wrong-type-list.yaml:10:9: bypass: expected a list, got '/login'; write [/login] or one '- item' per line`],
  ['wrong-type-string', `${dir}/wrong-type-string.yaml:12:20: twoFactor.enabledFor.users[1]: expected a string, got 1001; put it in quotes: '1001'`],
  ['bad-duration', `${dir}/bad-duration.yaml:12:13: twoFactor.lockout.window: '5 minutes' is not a duration; write a number and a unit: 500ms, 30s, 15m, 12h or 30d`],
  ['duration-without-unit', `${dir}/duration-without-unit.yaml:10:15: identity.lookup.cacheTtl: 30 has no unit; write e.g. 30s, 30m, 30h or 30d`],
  ['bad-cidr', `${dir}/bad-cidr.yaml:13:7: twoFactor.trustedIps[1]: '192.168.0.0/33': prefix length must be a number from 0 to 32 for IPv4`],
  ['bad-ip', `${dir}/bad-ip.yaml:11:20: network.trustedProxies[0]: '10.0.0.256' is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.168.1.10, fd00::/8 or ::ffff:10.0.0.0/104)`],
  ['bad-ipv6', `${dir}/bad-ipv6.yaml:11:20: network.trustedProxies[0]: 'fd00::1::2' is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.168.1.10, fd00::/8 or ::ffff:10.0.0.0/104)`],
  ['bad-url', `${dir}/bad-url.yaml:9:8: upstream.url: '127.0.0.1:8081' is not an absolute http:// or https:// URL, e.g. http://127.0.0.1:8081`],
  ['bad-public-url', `${dir}/bad-public-url.yaml:9:14: server.publicUrl: 'https://intranet.example.com/app' must be only scheme://host[:port], e.g. https://intranet.example.com`],
  ['bad-listen', `${dir}/bad-listen.yaml:10:11: server.listen: '8080' is not host:port, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080`],
  ['bad-prefix', `${dir}/bad-prefix.yaml:10:11: server.prefix: '/_gatehouse/' must not end with '/'`],
  ['bad-bypass', `${dir}/bad-bypass.yaml:12:5: bypass[1]: 'assets/**' must start with '/'`],
  ['bypass-everything', `${dir}/bypass-everything.yaml:10:10: bypass[0]: '/**' matches every path: nobody would be asked for a second factor`],
  ['bad-regex', `${dir}/bad-regex.yaml:9:20: identity.lookup.user.regex: invalid regular expression: /Logged in as (\\w+/: Unterminated group`],
  ['bad-extractor', `${dir}/bad-extractor.yaml:10:5: identity.lookup.groups: use only one of json, header, regex`],
  ['unset-env', `${dir}/unset-env.yaml:11:18: secrets.encryptionKey: environment variable GATEHOUSE_TEST_UNSET_KEY is not set (write \${GATEHOUSE_TEST_UNSET_KEY:-} to allow it to be empty)`],
  ['missing-required', `${dir}/missing-required.yaml:8:1: upstream.url: missing required key`],
  ['bad-enum', `${dir}/bad-enum.yaml:11:9: store.type: 'postgres' is not one of: sqlite, redis`],
  ['out-of-range', `${dir}/out-of-range.yaml:12:11: twoFactor.rememberDevices.days: must be at most 365, got 400`],
  ['duplicate-key', `${dir}/duplicate-key.yaml:11:1: bypass: duplicate key; already set on line 10`],
  ['bad-encryption-key', `${dir}/bad-encryption-key.yaml:11:18: secrets.encryptionKey: must be 32 random bytes written as 64 hex characters or 44 base64 characters (got 14 characters); e.g. openssl rand -base64 32`],
  ['lookup-without-user', `${dir}/lookup-without-user.yaml:9:5: identity.lookup.user: is required with identity.source 'lookup', e.g. { json: username }`],
  ['enrol-without-trusted-ips', `${dir}/enrol-without-trusted-ips.yaml:12:16: twoFactor.enrolment.allowFrom: is 'trustedIps' but twoFactor.trustedIps is empty: nobody could set up a device`],
  ['header-without-proxies', `${dir}/header-without-proxies.yaml:7:11: identity.source: is 'header' but network.trustedProxies is empty: identity headers are only accepted from trusted proxies`],
];

describe('config mistakes', () => {
  it.each(cases)('should report %s with file, line, key and reason', (fixture, message) => {
    const err = configError(load(fixture));
    expect(err.message).toBe(message);
    expect(err.problems).toHaveLength(1);
    expect(err.code).toBe('GH_ERR_CONFIG_INVALID');
  });

  it('should report all five mistakes of one file at once, each with its line and key path', () => {
    const err = configError(load('five-mistakes'));
    expect(err.problems.map((p) => [p.line, p.path])).toEqual([
      [13, 'identity.lookup.cacheTtl'],
      [17, 'twoFactor.enforced'],
      [23, 'twoFactor.trustedIps[1]'],
      [26, 'bypass[1]'],
      [32, 'secrets.encryptionKey'],
    ]);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe(`${dir}/five-mistakes.yaml:17:3: twoFactor.enforced: unknown key; did you mean 'enforce'?`);
    for (const p of err.problems) expect(p.file).toBe(`${dir}/five-mistakes.yaml`);
  });

  it('should accept the minimal fixture', () => {
    expect(load('valid-minimal')().upstream.url).toBe('http://127.0.0.1:8081');
  });

  it('should say when the file cannot be read', () => {
    const err = configError(() => loadConfigFile(`${dir}/no-such-file.yaml`));
    expect(err.message).toBe(`${dir}/no-such-file.yaml: cannot read config: file not found`);
  });
});
