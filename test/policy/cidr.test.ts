import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { CidrSet } from '../../src/policy/cidr.js';

describe('CidrSet', () => {
  const set = new CidrSet([
    '10.0.0.0/8',
    '10.1.0.0/16',
    '10.1.2.3',
    '192.168.1.7/24',
    '2001:db8::/32',
    '2001:db8:aa::/48',
    '::1',
    '::ffff:172.16.0.0/108',
    '0.0.0.0/32',
  ]);

  it.each<[string, string | null]>([
    ['10.200.0.1', '10.0.0.0/8'],
    ['10.1.9.9', '10.1.0.0/16'],
    ['10.1.2.3', '10.1.2.3'],
    ['10.1.2.4', '10.1.0.0/16'],
    ['192.168.1.200', '192.168.1.7/24'],
    ['192.168.2.1', null],
    ['11.0.0.0', null],
    ['9.255.255.255', null],
    ['2001:db8::5', '2001:db8::/32'],
    ['2001:db8:aa::5', '2001:db8:aa::/48'],
    ['2001:0db8:00aa:0:0:0:0:5', '2001:db8:aa::/48'],
    ['2001:db9::1', null],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['172.16.5.5', '::ffff:172.16.0.0/108'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::ffff:172.16.5.5', '::ffff:172.16.0.0/108'],
    ['0.0.0.0', '0.0.0.0/32'],
    ['', null],
    ['garbage', null],
    ['10.1.2.3/32', null],
    ['010.1.2.3', null],
    ['[::1]', null],
  ])('should match %j to %j', (ip, want) => {
    expect(set.match(ip)).toBe(want);
  });

  it('should not let a broad IPv6 range trust IPv4 clients', () => {
    expect(new CidrSet(['::/0']).match('1.2.3.4')).toBeNull();
    expect(new CidrSet(['::/0']).match('2001:db8::1')).toBe('::/0');
  });

  it('should match everything with 0.0.0.0/0 and report the most specific entry', () => {
    const s = new CidrSet(['0.0.0.0/0', '10.0.0.0/8']);
    expect(s.match('255.255.255.255')).toBe('0.0.0.0/0');
    expect(s.match('10.0.0.1')).toBe('10.0.0.0/8');
  });

  it('should report the first listed of duplicate entries', () => {
    expect(new CidrSet(['10.0.0.0/8', '10.9.9.9/8']).match('10.1.1.1')).toBe('10.0.0.0/8');
  });

  it('should match nothing when empty', () => {
    expect(new CidrSet([]).match('10.0.0.1')).toBeNull();
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', 'x', '2001:db8::/129', '10.0.0.0/08', '10.1/16', '[::1]/128'])(
    'should refuse the config entry %j with its text in the message',
    (entry) => {
      expect(() => new CidrSet([entry])).toThrow(entry);
    },
  );

  // Oracle: ipaddr.js, longest prefix wins, first listed on ties.
  type Parsed = { entry: string; net: ipaddr.IPv4 | ipaddr.IPv6; bits: number };
  function parseAll(entries: readonly string[]): Parsed[] {
    return entries.map((entry) => {
      let [net, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), entry.includes(':') ? 128 : 32];
      if (net.kind() === 'ipv6' && (net as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        net = (net as ipaddr.IPv6).toIPv4Address();
        bits -= 96;
      }
      return { entry, net, bits };
    });
  }
  function naive(parsed: readonly Parsed[], ip: string): string | null {
    const addr = ipaddr.process(ip);
    let best: string | null = null;
    let bestBits = -1;
    for (const { entry, net, bits } of parsed) {
      if (net.kind() !== addr.kind() || bits <= bestBits) continue;
      if (addr.match(net as never, bits)) {
        best = entry;
        bestBits = bits;
      }
    }
    return best;
  }

  const v4Entry = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, b]) => (b === 32 && a.endsWith('1') ? a : `${a}/${b}`));
  const v6Entry = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, b]) => `${a}/${b}`);

  it('should agree with a linear scan over 10,000 random entries', () => {
    const rand = fc.sample(
      fc.oneof(
        fc.tuple(fc.ipV4(), fc.integer({ min: 8, max: 32 })).map(([a, b]) => `${a}/${b}`),
        fc.tuple(fc.ipV6(), fc.integer({ min: 16, max: 128 })).map(([a, b]) => `${a}/${b}`),
        fc.ipV4(),
      ),
      { numRuns: 10_000, seed: 42 },
    ).filter((e) => !/^::\d/.test(e)); // ipaddr.js misreads ::a.b.c.d
    const big = new CidrSet(rand);
    const parsed = parseAll(rand);
    // Probe inside the entries (so most probes hit) and at random.
    const inside = rand.slice(0, 1500).map((e) => e.split('/')[0]!);
    const probes = [...inside, ...fc.sample(fc.oneof(fc.ipV4(), fc.ipV6()), { numRuns: 1000, seed: 7 })].filter((p) => !/^::\d/.test(p));
    let hits = 0;
    for (const p of probes) {
      const want = naive(parsed, p);
      if (want !== null) hits++;
      expect(big.match(p), p).toBe(want);
    }
    expect(hits).toBeGreaterThan(1000);
  });

  it('should agree with a linear scan (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(v4Entry, v6Entry), { maxLength: 30 }),
        fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 20 }),
        (entries, probes) => {
          const es = entries.filter((e) => !/^::\d/.test(e));
          const s = new CidrSet(es);
          const parsed = parseAll(es);
          for (const p of [...probes, ...es.map((e) => e.split('/')[0]!)]) {
            if (/^::\d/.test(p)) continue;
            expect(s.match(p)).toBe(naive(parsed, p));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
