import { describe, expect, it } from 'vitest';
import { parseIp, runCheck } from '../../src/config/checks.js';
import { configWith, reasons } from './helpers.js';

describe('IP and CIDR validation', () => {
  it.each([
    '10.0.0.1',
    '10.0.0.0/8',
    '192.168.1.0/24',
    '203.0.113.7/32',
    '::1',
    'fd00::/8',
    '2001:db8::/32',
    '2001:db8:0:0:0:0:0:1',
    '::ffff:10.0.0.1',
    '::ffff:10.0.0.0/104',
    '::ffff:a00:1',
  ])('should accept %s', (value) => {
    expect(runCheck('ip-or-cidr', value)).toBeNull();
  });

  it.each([
    ['10.0.0.256', 'is not an IP address or CIDR range'],
    ['10.0.0', 'is not an IP address or CIDR range'],
    ['127.1', 'is not an IP address or CIDR range'],
    ['0x7f.0.0.1', 'is not an IP address or CIDR range'],
    ['010.0.0.1', 'is not an IP address or CIDR range'],
    ['intranet.local', 'is not an IP address or CIDR range'],
    ['fd00::1::2', 'is not an IP address or CIDR range'],
    ['fe80::1%eth0', 'is not an IP address or CIDR range'],
    ['10.0.0.0/33', 'prefix length must be a number from 0 to 32 for IPv4'],
    ['10.0.0.0/', 'prefix length must be a number from 0 to 32 for IPv4'],
    ['10.0.0.0/08', 'prefix length must be a number from 0 to 32 for IPv4'],
    ['fd00::/129', 'prefix length must be a number from 0 to 128 for IPv6'],
    ['0.0.0.0/0', 'matches every address'],
    ['::/0', 'matches every address'],
  ])('should reject %s', (value, reason) => {
    expect(runCheck('ip-or-cidr', value)).toContain(reason);
  });

  it('should parse only unambiguous address forms', () => {
    expect(parseIp('10.1.2.3')?.kind()).toBe('ipv4');
    expect(parseIp('::ffff:10.1.2.3')?.kind()).toBe('ipv6');
    expect(parseIp('10')).toBeNull();
  });

  it('should keep trusted IPs as written', () => {
    const c = configWith({ twoFactor: { trustedIps: ['10.0.0.0/8', 'fd00::/8', '::ffff:192.168.0.0/112'] }, network: { trustedProxies: ['127.0.0.1'] } });
    expect(c.twoFactor.trustedIps).toEqual(['10.0.0.0/8', 'fd00::/8', '::ffff:192.168.0.0/112']);
    expect(c.network.trustedProxies).toEqual(['127.0.0.1']);
  });

  it('should report each bad entry of a list by its index', () => {
    expect(reasons(() => configWith({ twoFactor: { trustedIps: ['10.0.0.0/8', 'office', '::/0'] } }))).toEqual([
      "twoFactor.trustedIps[1]: 'office' is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.168.1.10, fd00::/8 or ::ffff:10.0.0.0/104)",
      "twoFactor.trustedIps[2]: '::/0' matches every address; list the networks you actually trust",
    ]);
  });

  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['[::1]:8443', { host: '::1', port: 8443 }],
    ['localhost:3000', { host: 'localhost', port: 3000 }],
  ])('should split listen %s into host and port', (listen, expected) => {
    expect(configWith({ server: { listen } }).server.listen).toEqual(expected);
  });

  it.each(['8080', ':8080', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '::1:8080', '[::1]', 'http://127.0.0.1:8080'])(
    'should reject listen %s',
    (listen) => {
      expect(reasons(() => configWith({ server: { listen } }))).toHaveLength(1);
    },
  );
});
