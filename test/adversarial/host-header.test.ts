/**
 * Host header (issue 6): a forged Host or X-Forwarded-Host never decides
 * where Gatehouse sends a browser, nor what the intranet is told the public
 * host is. Every redirect is built on server.publicUrl (http://gatehouse.test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, inputValue } from '../helpers/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { enrolledUser, expectNotForwarded, forwarded, loggedIn, PREFIX, PUBLIC_ORIGIN, raw, totp, type HeaderList } from './support.js';

const FORGED: [string, HeaderList][] = [
  ['Host', [['Host', 'evil.example']]],
  ['Host with a port', [['Host', 'evil.example:443']]],
  ['X-Forwarded-Host', [['X-Forwarded-Host', 'evil.example']]],
  ['X-Forwarded-Host and X-Forwarded-Proto', [['X-Forwarded-Host', 'evil.example'], ['X-Forwarded-Proto', 'https']]],
  ['Forwarded host=', [['Forwarded', 'host=evil.example;proto=https']]],
  ['X-Host / X-Forwarded-Server', [['X-Host', 'evil.example'], ['X-Forwarded-Server', 'evil.example']]],
  ['X_Forwarded_Host', [['X_Forwarded_Host', 'evil.example']]],
  ['Host, X-Forwarded-Host and Forwarded together', [['Host', 'evil.example'], ['X-Forwarded-Host', 'evil.example'], ['Forwarded', 'host=evil.example'], ['X-Forwarded-Proto', 'https']]],
];

function expectOnPublicUrl(location: unknown): URL {
  const u = new URL(String(location));
  expect(u.origin).toBe(PUBLIC_ORIGIN);
  return u;
}

let stack: Stack;
let aliceB: Browser;
let aliceKey: string;
let bob: string;
beforeAll(async () => {
  // The test client doubles as a trusted proxy: even from one, the host is not taken.
  stack = await startStack({ config: { network: { trustedProxies: ['127.0.0.1'] } } });
  ({ b: aliceB, key: aliceKey } = await enrolledUser(stack, 'alice'));
  bob = (await loggedIn(stack, 'bob')).cookieHeader()!;
});
afterAll(async () => stack?.close());

describe('forged Host / X-Forwarded-Host', () => {
  it.each(FORGED)('should refuse a forged %s as the target of the gate’s redirect', async (_label, forged) => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', aliceB.cookieHeader()!], ...forged] });
    expect(res.status).toBe(302);
    const u = expectOnPublicUrl(res.headers.location);
    expect(u.pathname).toBe(`${PREFIX}/challenge`);
    expectNotForwarded(stack, before, res);
    // A script gets the same place in its JSON.
    const api = await raw(stack.url, { target: '/secret', headers: [['Accept', 'application/json'], ['Cookie', aliceB.cookieHeader()!], ...forged] });
    expect(api.status).toBe(401);
    expectOnPublicUrl((JSON.parse(api.body) as { location: string }).location);
  });

  it.each(FORGED)('should refuse a forged %s as the target after the code', async (_label, forged) => {
    const page = await aliceB.get(`${PREFIX}/challenge?rd=%2Freports`);
    const csrf = inputValue(page.body, 'csrf')!;
    const body = new URLSearchParams({ csrf, rd: '/reports', code: totp(stack, aliceKey) }).toString();
    const res = await raw(stack.url, {
      method: 'POST',
      target: `${PREFIX}/challenge`,
      headers: [['Accept', 'text/html'], ['Cookie', aliceB.cookieHeader()!], ['Content-Type', 'application/x-www-form-urlencoded'], ...forged],
      body,
    });
    stack.clock.advance(30_000);
    expect(res.status).toBe(303);
    expect(expectOnPublicUrl(res.headers.location).pathname).toBe('/reports');
  });

  it.each(FORGED)('should refuse a forged %s when bouncing a visitor who is not logged in', async (_label, forged) => {
    const res = await raw(stack.url, { target: `${PREFIX}/challenge?rd=%2Freports`, headers: [['Accept', 'text/html'], ...forged] });
    expect(res.status).toBe(302);
    expect(expectOnPublicUrl(res.headers.location).pathname).toBe('/reports');
  });

  it.each(FORGED.filter(([l]) => !l.startsWith('X-Host')))('should refuse to tell the intranet a forged %s', async (_label, forged) => {
    const res = await raw(stack.url, { target: '/echo', headers: [['Cookie', bob], ...forged] });
    expect(res.status).toBe(200);
    const e = JSON.parse(res.body) as { headers: Record<string, string>; rawHeaders: [string, string][] };
    expect(e.headers['x-forwarded-host']).toBe('gatehouse.test');
    expect(e.headers['x-forwarded-proto']).toBe('http');
    expect(e.headers.forwarded).toBeUndefined();
    expect(e.rawHeaders.some(([, v]) => v.includes('evil.example'))).toBe(false);
  });

  it('should refuse to pass other host-override headers to the intranet (X-Host, X-HTTP-Host-Override, X-Original-Host)', async () => {
    // Frameworks behind proxies read these as the public host (password-reset
    // links, absolute redirects); Gatehouse already strips X-Forwarded-Server.
    const res = await raw(stack.url, {
      target: '/echo',
      headers: [['Cookie', bob], ['X-Host', 'evil.example'], ['X-HTTP-Host-Override', 'evil.example'], ['X-Original-Host', 'evil.example'], ['X-Forwarded-Server', 'evil.example']],
    });
    const e = JSON.parse(res.body) as { rawHeaders: [string, string][] };
    expect(e.rawHeaders.filter(([, v]) => v.includes('evil.example'))).toEqual([]);
  });

  it('should refuse an absolute-form request target naming another host', async () => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target: 'http://evil.example/secret', headers: [['Accept', 'text/html'], ['Cookie', aliceB.cookieHeader()!], ['Host', 'evil.example']] });
    expect(res.body).not.toContain('evil.example');
    expect([302, 400]).toContain(res.status);
    if (res.status === 302) expectOnPublicUrl(res.headers.location);
    expectNotForwarded(stack, before, res);
  });
});
