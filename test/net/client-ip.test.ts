import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../../src/net/client-ip.js';

const resolve = createClientIpResolver(['10.0.0.0/8', '2001:db8:ff::/48']);
const noProxies = createClientIpResolver([]);

describe('client IP', () => {
  it.each<[string, string | undefined, string | string[] | undefined, string]>([
    ['should use the socket address when there is no XFF', '203.0.113.9', undefined, '203.0.113.9'],
    ['should ignore XFF from an untrusted peer', '203.0.113.9', '10.1.1.1', '203.0.113.9'],
    ['should ignore garbage XFF from an untrusted peer', '203.0.113.9', 'a, b', '203.0.113.9'],
    ['should return the peer behind a trusted proxy', '10.0.0.2', '198.51.100.7', '198.51.100.7'],
    ['should take the right-most untrusted hop, not the spoofable left ones', '10.0.0.2', '1.1.1.1, 198.51.100.7', '198.51.100.7'],
    ['should skip a chain of trusted proxies', '10.0.0.2', '1.1.1.1, 198.51.100.7, 10.0.0.3, 10.0.0.4', '198.51.100.7'],
    ['should return the left-most hop when every hop is trusted', '10.0.0.2', '10.9.9.9, 10.0.0.3', '10.9.9.9'],
    ['should use the proxy itself when it sent no hop', '10.0.0.2', undefined, '10.0.0.2'],
    ['should use the proxy itself when XFF is blank', '10.0.0.2', '  ', '10.0.0.2'],
    ['should join several header lines in order', '10.0.0.2', ['198.51.100.7', '10.0.0.3'], '198.51.100.7'],
    ['should read the last header line first', '10.0.0.2', ['1.1.1.1', '198.51.100.7'], '198.51.100.7'],
    ['should accept tabs and spaces around commas', '10.0.0.2', '1.1.1.1 ,\t198.51.100.7\t', '198.51.100.7'],
    ['should return unknown for a garbage hop met during the walk', '10.0.0.2', '198.51.100.7, a', ''],
    ['should return unknown for an empty hop', '10.0.0.2', '198.51.100.7,,10.0.0.3', ''],
    ['should return unknown for a trailing comma', '10.0.0.2', '198.51.100.7,', ''],
    ['should return unknown for a bracketed v6 hop', '10.0.0.2', '[2001:db8::1]', ''],
    ['should return unknown for a hop with a port', '10.0.0.2', '198.51.100.7:4444', ''],
    ['should return unknown for a hop with inner spaces', '10.0.0.2', '198.51.100 .7', ''],
    ['should return unknown for two hops without a comma', '10.0.0.2', '1.1.1.1 198.51.100.7', ''],
    ['should return unknown for an octal-looking hop', '10.0.0.2', '010.0.0.1', ''],
    ['should return unknown for "unknown"', '10.0.0.2', 'unknown', ''],
    ['should not look past the first untrusted hop for garbage', '10.0.0.2', 'garbage, 198.51.100.7', '198.51.100.7'],
    ['should return unknown for an empty line among several', '10.0.0.2', ['198.51.100.7', ''], ''],
    ['should canonicalise a v6 hop', '10.0.0.2', '2001:DB8::7', '2001:db8:0:0:0:0:0:7'],
    ['should unwrap a mapped hop', '10.0.0.2', '::ffff:198.51.100.7', '198.51.100.7'],
    ['should unwrap a mapped socket address', '::ffff:203.0.113.9', undefined, '203.0.113.9'],
    ['should trust a mapped socket address of a trusted proxy', '::ffff:10.0.0.2', '198.51.100.7', '198.51.100.7'],
    ['should canonicalise a v6 socket address', '2001:DB8:1::9', '198.51.100.7', '2001:db8:1:0:0:0:0:9'],
    ['should trust a v6 proxy', '2001:db8:ff::1', '198.51.100.7, 2001:db8:ff::2', '198.51.100.7'],
    ['should drop the zone of a link-local socket address', 'fe80::1%eth0', undefined, 'fe80:0:0:0:0:0:0:1'],
    ['should return unknown without a socket address', undefined, '198.51.100.7', ''],
    ['should return unknown for an unparseable socket address', 'nonsense', undefined, ''],
  ])('%s', (_name, socket, xff, want) => {
    expect(resolve(socket, xff)).toBe(want);
  });

  it('should never read XFF when no proxy is trusted', () => {
    expect(noProxies('10.0.0.2', '198.51.100.7')).toBe('10.0.0.2');
  });

  it('should give up on absurdly long chains of trusted hops', () => {
    const xff = Array.from({ length: 100 }, () => '10.0.0.3').join(', ');
    expect(resolve('10.0.0.2', `198.51.100.7, ${xff}`)).toBe('');
  });

  it('should return the socket address unchanged (same string) for IPv4', () => {
    const s = '203.0.113.9';
    expect(resolve(s, undefined)).toBe(s);
  });
});
