/**
 * Issue 2 §4 and its "Done when": the client address is the socket peer;
 * X-Forwarded-For counts only from network.trustedProxies (right-most
 * untrusted hop); IPv4, IPv6 and IPv4-mapped peers; garbage in the header
 * never turns into a trusted address. Seen through {prefix}/whoami, through
 * what the intranet receives, and through the trusted-IP rule.
 *
 * Loopback has all of 127.0.0.0/8 on Linux, so one Gatehouse can be reached
 * from a "trusted" 127.0.0.2 and an untrusted 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Browser, pathOf } from '../helpers/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { echo, rawRequest, startStackOn } from './support.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

interface WhoAmI {
  identity: { user: string; groups: string[]; source: string } | null;
  clientIp: string;
  peerIp: string;
  fromTrustedProxy: boolean;
}

async function whoami(s: Stack, headers: Record<string, string> | string[] = {}, localAddress?: string): Promise<WhoAmI> {
  const res = await rawRequest(s.url, { path: '/_gatehouse/whoami', headers, ...(localAddress ? { localAddress } : {}) });
  expect(res.status).toBe(200);
  return JSON.parse(res.body.toString()) as WhoAmI;
}

describe('client IP and identity headers from an untrusted peer (issue 2, done when)', () => {
  const spoof = { 'x-forwarded-for': '10.0.0.1', 'x-remote-user': 'admin', 'x-remote-groups': 'it-admins' };

  it('should see the real socket address and no header identity in header mode', async () => {
    // Only 127.0.0.2 is a trusted proxy; this test connects from 127.0.0.1.
    stack = await startStack({ config: { identity: { source: 'header' }, network: { trustedProxies: ['127.0.0.2'] } } });
    const w = await whoami(stack, spoof);
    expect(w).toMatchObject({ identity: null, clientIp: '127.0.0.1', peerIp: '127.0.0.1', fromTrustedProxy: false });

    // And the intranet behind sees the same: no identity header, the real address.
    const e = await echo(stack.url, { headers: spoof });
    expect(e.headers['x-remote-user']).toBeUndefined();
    expect(e.headers['x-remote-groups']).toBeUndefined();
    expect(e.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('should see the real socket address and no header identity in lookup mode', async () => {
    stack = await startStack();
    const w = await whoami(stack, spoof);
    expect(w).toMatchObject({ identity: null, clientIp: '127.0.0.1', fromTrustedProxy: false });
    const e = await echo(stack.url, { headers: spoof });
    expect(e.headers['x-remote-user']).toBeUndefined();
    expect(e.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('should honour the same headers from a trusted proxy', async () => {
    stack = await startStack({ config: { identity: { source: 'header' }, network: { trustedProxies: ['127.0.0.2'] } } });
    const w = await whoami(stack, spoof, '127.0.0.2');
    expect(w).toMatchObject({ identity: { user: 'admin', groups: ['it-admins'], source: 'header' }, clientIp: '10.0.0.1', peerIp: '127.0.0.2', fromTrustedProxy: true });
  });
});

describe('X-Forwarded-For behind a trusted proxy', () => {
  it('should take the right-most hop that is not a trusted proxy, and extend the chain for the intranet', async () => {
    stack = await startStack({ config: { network: { trustedProxies: ['127.0.0.1', '192.0.2.0/24'] } } });
    expect((await whoami(stack, { 'x-forwarded-for': '10.0.0.1, 203.0.113.7' })).clientIp).toBe('203.0.113.7');
    // Our own proxies in the chain are skipped from the right.
    expect((await whoami(stack, { 'x-forwarded-for': '10.0.0.1, 203.0.113.7, 192.0.2.10, 192.0.2.11' })).clientIp).toBe('203.0.113.7');
    // Several header lines are one list.
    expect((await whoami(stack, ['X-Forwarded-For', '10.0.0.1', 'X-Forwarded-For', '198.51.100.4'])).clientIp).toBe('198.51.100.4');
    // No header: the proxy itself is the client.
    expect((await whoami(stack)).clientIp).toBe('127.0.0.1');

    const e = await echo(stack.url, { headers: { 'x-forwarded-for': '10.0.0.1, 203.0.113.7' } });
    expect(e.headers['x-forwarded-for']).toBe('10.0.0.1, 203.0.113.7, 127.0.0.1');
    expect(e.headers['x-real-ip']).toBe('203.0.113.7');
  });

  it('should read IPv6 and IPv4-mapped hops', async () => {
    stack = await startStack({ config: { network: { trustedProxies: ['127.0.0.1'] } } });
    expect((await whoami(stack, { 'x-forwarded-for': '2001:DB8::1' })).clientIp).toBe('2001:db8:0:0:0:0:0:1');
    expect((await whoami(stack, { 'x-forwarded-for': '::ffff:198.51.100.9' })).clientIp).toBe('198.51.100.9');
  });

  it.each([
    'garbage',
    '10.0.0.1, garbage',
    'unknown',
    '010.0.0.1',
    '10.1',
    '10.0.0.1:443',
    '[::1]',
    '10.0.0.256',
    '1.2.3.4 5.6.7.8',
    '_hidden',
  ])('should never let the garbage XFF %j match a trusted IP (nor fall back to the trusted peer)', async (xff) => {
    stack = await startStack({
      config: { network: { trustedProxies: ['127.0.0.1'] }, twoFactor: { trustedIps: ['127.0.0.0/8', '10.0.0.0/8'] } },
    });
    const b = new Browser(stack.url, { 'x-forwarded-for': xff });
    await b.login('alice');
    const w = await whoami(stack, { 'x-forwarded-for': xff, cookie: b.cookieHeader()! });
    expect(w.clientIp).toBe('');
    // alice is in scope and not enrolled: from a trusted IP she would be forwarded.
    const res = await b.get('/reports');
    expect(res.status).toBe(302);
    expect(pathOf(res.location)).toMatch(/^\/_gatehouse\/enrol\?/);
  });

  it('should forward the same user from a valid trusted-IP hop (the control case)', async () => {
    stack = await startStack({
      config: { network: { trustedProxies: ['127.0.0.1'] }, twoFactor: { trustedIps: ['10.0.0.0/8'] } },
    });
    const b = new Browser(stack.url, { 'x-forwarded-for': '10.1.2.3' });
    await b.login('alice');
    const res = await b.get('/reports');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Logged in as alice');
  });
});

describe('IPv6 and IPv4-mapped peers', () => {
  it('should see an IPv6 loopback peer as ::1 in canonical form', async () => {
    stack = await startStackOn('::1');
    const w = await whoami(stack, { 'x-forwarded-for': '10.0.0.1' });
    expect(w).toMatchObject({ clientIp: '0:0:0:0:0:0:0:1', fromTrustedProxy: false });
    const e = await echo(stack.url, {});
    expect(e.headers['x-forwarded-for']).toBe('0:0:0:0:0:0:0:1');
  });

  it('should trust an IPv6 proxy listed as ::1', async () => {
    stack = await startStackOn('::1', { config: { network: { trustedProxies: ['::1/128'] } } });
    const w = await whoami(stack, { 'x-forwarded-for': '203.0.113.5' });
    expect(w).toMatchObject({ clientIp: '203.0.113.5', fromTrustedProxy: true });
  });

  it('should unwrap an IPv4-mapped peer on a dual-stack listener and match it against IPv4 rules', async () => {
    stack = await startStackOn('::', { config: { network: { trustedProxies: ['127.0.0.1'] } } });
    const v4 = await whoami({ ...stack, url: stack.url.replace('[::1]', '127.0.0.1') }, { 'x-forwarded-for': '203.0.113.6' });
    expect(v4).toMatchObject({ clientIp: '203.0.113.6', peerIp: '127.0.0.1', fromTrustedProxy: true });
    // The same listener reached over IPv6 is not the trusted IPv4 proxy.
    const v6 = await whoami(stack, { 'x-forwarded-for': '203.0.113.6' });
    expect(v6).toMatchObject({ clientIp: '0:0:0:0:0:0:0:1', fromTrustedProxy: false });
  });
});
