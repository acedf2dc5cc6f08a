import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { canonicalIp } from '../../src/net/ip.js';

describe('canonicalIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['2001:DB8::1', '2001:db8:0:0:0:0:0:1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:0:0:0:1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::FFFF:a01:203', '10.1.2.3'],
    ['0:0:0:0:0:ffff:a01:203', '10.1.2.3'],
    ['64:ff9b::1.2.3.4', '64:ff9b:0:0:0:0:102:304'],
    ['::1.2.3.4', '0:0:0:0:0:0:102:304'],
    ['1::', '1:0:0:0:0:0:0:0'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ])('should canonicalise %s to %s', (input, want) => {
    expect(canonicalIp(input)).toBe(want);
  });

  it.each([
    '', 'a', 'unknown', ' 1.2.3.4', '1.2.3.4 ', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.256', '1.2.3.-1', '0x7f.0.0.1',
    '2130706433', '1.2.3.4:80', '[::1]', '[::1]:80', 'fe80::1%eth0', ':::', '1:::2', '1::2::3', ':1::', '1:', '12345::',
    '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '::ffff:1.2.3', '1.2.3.4::', 'g::1', '::1.2.3.4.5', '1:2:3:4:5:6:7:1.2.3.4',
    '1:2:3:4:5:6:7:8::',
  ])('should refuse %j', (input) => {
    expect(canonicalIp(input)).toBe('');
  });

  it('should agree with ipaddr.js on every strict address (property)', () => {
    const v6 = fc.ipV6().filter((s) => !/^::(\d+\.)/.test(s)); // ipaddr.js reads ::a.b.c.d as mapped (it is not)
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), v6), (s) => {
        const a = ipaddr.process(s);
        expect(canonicalIp(s)).toBe(a.kind() === 'ipv4' ? a.toString() : a.toNormalizedString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('should never accept what ipaddr.js refuses (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%[] x') }), (s) => {
        if (canonicalIp(s) !== '') expect(ipaddr.isValid(s)).toBe(true);
      }),
      { numRuns: 50_000 },
    );
  });
});
