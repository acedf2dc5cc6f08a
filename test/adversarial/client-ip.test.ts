/**
 * Client-IP spoofing (issue 6): the trusted-IP rule lets a user in without a
 * code, so an attacker with a stolen password tries to look like a trusted
 * address. X-Forwarded-For counts only from network.trustedProxies and only
 * its right-most untrusted hop; an entry that does not parse (Authentik
 * CVE-2024-47070) never makes a rule match. Each attack is alice (enrolled,
 * no 2FA session in this login) asking for /secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { enrolledUser, expectNotForwarded, expectSentTo, forwarded, loggedIn, PREFIX, raw, type HeaderList } from './support.js';

// Never loopback: the tests connect from 127.0.0.1.
const TRUSTED_IPS = ['10.0.0.0/8', '1.2.3.4', '::1', '192.0.2.0/24'];

async function secretWith(s: Stack, cookie: string, headers: HeaderList, localAddress?: string) {
  const before = forwarded(s);
  const res = await raw(s.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', cookie], ...headers] }, localAddress ? { localAddress } : {});
  expectSentTo(res, 'challenge');
  expectNotForwarded(s, before, res);
}

async function clientIpSeen(s: Stack, headers: HeaderList): Promise<string> {
  const res = await raw(s.url, { target: `${PREFIX}/whoami`, headers: [['Accept', 'application/json'], ...headers] });
  return (JSON.parse(res.body) as { clientIp: string }).clientIp;
}

describe('X-Forwarded-For from an untrusted peer', () => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    // 127.0.0.2 is the only trusted proxy; the attacker is 127.0.0.1.
    stack = await startStack({ config: { network: { trustedProxies: ['127.0.0.2'] }, twoFactor: { trustedIps: TRUSTED_IPS } } });
    alice = (await enrolledUser(stack, 'alice')).b.cookieHeader()!;
    bob = (await loggedIn(stack, 'bob')).cookieHeader()!;
  });
  afterAll(async () => stack?.close());

  it('should refuse X-Forwarded-For naming a trusted IP', async () => {
    await secretWith(stack, alice, [['X-Forwarded-For', '10.0.0.1']]);
    expect(await clientIpSeen(stack, [['X-Forwarded-For', '10.0.0.1']])).toBe('127.0.0.1');
  });

  it('should refuse X-Forwarded-For that names the trusted proxy and then a trusted IP', async () => {
    await secretWith(stack, alice, [['X-Forwarded-For', '10.0.0.1, 127.0.0.2']]);
    await secretWith(stack, alice, [['X-Forwarded-For', '10.0.0.1'], ['X-Forwarded-For', '127.0.0.2']]);
  });

  it.each<[string]>([['X-Real-IP'], ['True-Client-IP'], ['CF-Connecting-IP'], ['X-Client-IP'], ['X_Forwarded_For'], ['x_real_ip']])(
    'should refuse %s naming a trusted IP (never consulted)',
    async (name) => {
      await secretWith(stack, alice, [[name, '10.0.0.1']]);
      expect(await clientIpSeen(stack, [[name, '10.0.0.1']])).toBe('127.0.0.1');
    },
  );

  it('should refuse Forwarded: for=… naming a trusted IP (never consulted)', async () => {
    await secretWith(stack, alice, [['Forwarded', 'for=10.0.0.1;proto=https'], ['Forwarded', 'for="[::1]"']]);
  });

  it('should refuse to pass a spoofed client address on to the intranet', async () => {
    const res = await raw(stack.url, {
      target: '/echo',
      headers: [['Cookie', bob], ['X-Forwarded-For', '10.0.0.1'], ['X-Real-IP', '10.0.0.1'], ['X_Forwarded_For', '10.0.0.1'], ['Forwarded', 'for=10.0.0.1'], ['True-Client-IP', '10.0.0.1']],
    });
    const e = JSON.parse(res.body) as { headers: Record<string, string>; rawHeaders: [string, string][] };
    // The intranet sees the same client Gatehouse judged, once, under the names it sets itself.
    expect(e.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(e.headers['x-real-ip']).toBe('127.0.0.1');
    const names = e.rawHeaders.map(([n]) => n.toLowerCase());
    for (const gone of ['x_forwarded_for', 'forwarded', 'true-client-ip']) expect(names).not.toContain(gone);
    expect(JSON.stringify(e.rawHeaders)).not.toContain('10.0.0.1');
  });
});

describe('X-Forwarded-For through a trusted proxy', () => {
  let stack: Stack;
  let alice: string;
  beforeAll(async () => {
    // Here the test client itself is the trusted load balancer.
    stack = await startStack({ config: { network: { trustedProxies: ['127.0.0.1'] }, twoFactor: { trustedIps: TRUSTED_IPS } } });
    alice = (await enrolledUser(stack, 'alice')).b.cookieHeader()!;
  });
  afterAll(async () => stack?.close());

  it('should refuse a client-sent trusted IP that the proxy appended the real client to', async () => {
    // The client sent "X-Forwarded-For: 10.0.0.1"; the proxy appended the address it saw.
    await secretWith(stack, alice, [['X-Forwarded-For', '10.0.0.1, 203.0.113.7']]);
    expect(await clientIpSeen(stack, [['X-Forwarded-For', '10.0.0.1, 203.0.113.7']])).toBe('203.0.113.7');
  });

  it('should refuse a client-sent trusted IP kept as a separate header line before the proxy’s', async () => {
    await secretWith(stack, alice, [['X-Forwarded-For', '10.0.0.1'], ['X-Forwarded-For', '203.0.113.7']]);
  });

  it('should refuse a trusted IP hidden left of the proxy’s own hops', async () => {
    await secretWith(stack, alice, [['X-Forwarded-For', '10.0.0.1, 203.0.113.7, 127.0.0.1']]);
  });

  it.each<[string, string]>([
    ['a', 'a word'],
    ['', 'an empty entry'],
    [' ', 'a blank entry'],
    ['[::1]', 'IPv6 in brackets'],
    ['[::1]:80', 'IPv6 in brackets with a port'],
    ['1.2.3.4:80', 'IPv4 with a port'],
    ['10.0.0.1:443', 'a trusted IPv4 with a port'],
    ['010.0.0.1', 'an octal-looking IPv4'],
    ['10.1', 'a short IPv4'],
    ['0x0a000001', 'a hex IPv4'],
    ['10.0.0.1 a', 'an IP followed by garbage'],
    ['::1%lo', 'IPv6 with a zone'],
    ['unknown', 'the literal "unknown" (RFC 7239 obfuscation)'],
  ])('should refuse an unparseable hop %j (%s) making an IP rule match', async (entry) => {
    // The garbage is the right-most hop: nothing to its left may be trusted instead.
    await secretWith(stack, alice, [['X-Forwarded-For', `10.0.0.1, ${entry}`]]);
    await secretWith(stack, alice, [['X-Forwarded-For', entry]]);
    await secretWith(stack, alice, [['X-Forwarded-For', '10.0.0.1'], ['X-Forwarded-For', entry]]);
    const ip = await clientIpSeen(stack, [['X-Forwarded-For', `10.0.0.1, ${entry}`]]);
    expect(ip === '' || ip === '127.0.0.1').toBe(true);
  });

  it('should refuse a chain longer than any real proxy path ending in trusted hops', async () => {
    const chain = ['10.0.0.1', ...Array.from({ length: 40 }, () => '127.0.0.1')].join(', ');
    await secretWith(stack, alice, [['X-Forwarded-For', chain]]);
  });
});
