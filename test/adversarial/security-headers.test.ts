/**
 * Security headers on every page Gatehouse itself answers with (issue 6):
 * a CSP without 'unsafe-inline' and with frame-ancestors 'none',
 * Referrer-Policy: no-referrer, X-Content-Type-Options: nosniff and
 * Cache-Control: no-store — on the sign-in pages, the console, and every
 * error page, including the ones an attacker provokes. The pages must also
 * not need what the CSP forbids (inline scripts, handlers, styles).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from '../helpers/client.js';
import { inputValue } from '../helpers/client.js';
import { enrol } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { csrfOf, enrolledUser, loggedIn, PREFIX, raw, totp } from './support.js';

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

function expectPageHeaders(label: string, res: Answer): void {
  const h = (n: string) => String(res.headers[n] ?? '');
  expect(h('content-type'), label).toMatch(/^text\/html/);
  const csp = h('content-security-policy');
  expect(csp, `${label}: CSP`).not.toBe('');
  expect(csp, `${label}: CSP`).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes/);
  expect(csp, `${label}: CSP`).toMatch(/frame-ancestors 'none'/);
  expect(csp, `${label}: CSP`).toMatch(/(default-src|script-src) '(none|self)'/);
  expect(h('referrer-policy'), `${label}: Referrer-Policy`).toBe('no-referrer');
  expect(h('x-content-type-options'), `${label}: nosniff`).toBe('nosniff');
  expect(h('cache-control'), `${label}: Cache-Control`).toMatch(/no-store/);
  // Nothing the CSP would block: the page must work under it.
  expect(res.body, `${label}: inline <script>`).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
  expect(res.body, `${label}: inline handler`).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
  expect(res.body, `${label}: <style> element`).not.toMatch(/<style[\s>]/i);
  expect(res.body, `${label}: javascript: URL`).not.toMatch(/(href|src|action)\s*=\s*"\s*javascript:/i);
}

function expectJsonHeaders(label: string, res: Answer): void {
  expect(String(res.headers['content-type']), label).toMatch(/^application\/json/);
  expect(res.headers['x-content-type-options'], `${label}: nosniff`).toBe('nosniff');
  expect(String(res.headers['cache-control']), `${label}: Cache-Control`).toMatch(/no-store/);
}

let stack: Stack;
let alice: Browser;
let aliceKey: string;
let admin: Browser;
let bob: Browser;
beforeAll(async () => {
  stack = await startStack({ config: { admin: { users: ['admin'], groups: [] }, twoFactor: { lockout: { maxFailures: 3, window: '5m', duration: '15m' } } } });
  ({ b: alice, key: aliceKey } = await enrolledUser(stack, 'alice'));
  admin = await loggedIn(stack, 'admin');
  await enrol(stack, admin);
  bob = await loggedIn(stack, 'bob');
});
afterAll(async () => stack?.close());

describe('Gatehouse’s pages', () => {
  it('should refuse to serve the sign-in pages without the security headers', async () => {
    expectPageHeaders('challenge', await alice.get(`${PREFIX}/challenge?rd=%2Fsecret`));
    expectPageHeaders('recovery', await alice.get(`${PREFIX}/recovery`));
    const enrolling = await loggedIn(stack, 'admin');
    expectPageHeaders('enrol (already set up)', await enrolling.get(`${PREFIX}/enrol`));
    const wrong = await alice.post(`${PREFIX}/challenge`, { csrf: await csrfOf(alice), rd: '/', code: totp(stack, aliceKey, 5) });
    expect(wrong.status).toBe(401);
    expectPageHeaders('challenge, wrong code', wrong);
  });

  it('should refuse to serve the enrolment and recovery-codes pages without the security headers', async () => {
    const s = await startStack();
    try {
      const b = await loggedIn(s, 'alice');
      const page = await b.get(`${PREFIX}/enrol`);
      expectPageHeaders('enrol', page);
      const key = inputValue(page.body, 'manual-key')!.replace(/\s+/g, '');
      const done = await b.post(`${PREFIX}/enrol`, { csrf: inputValue(page.body, 'csrf')!, rd: '/', code: totp(s, key) });
      expect(done.status).toBe(200);
      expectPageHeaders('recovery codes', done);
    } finally {
      await s.close();
    }
  });

  it('should refuse to serve the console without the security headers', async () => {
    for (const tab of ['admin', 'admin/users', 'admin/settings', 'admin/audit']) {
      const res = await admin.get(`${PREFIX}/${tab}`);
      expect(res.status, tab).toBe(200);
      expectPageHeaders(tab, res);
    }
    const refused = await bob.get(`${PREFIX}/admin`);
    expect(refused.status).toBe(403);
    expectPageHeaders('console refused', refused);
  });

  it('should refuse to serve error pages an attacker provokes without the security headers', async () => {
    const html = (target: string, extra: [string, string][] = []) => raw(stack.url, { target, headers: [['Accept', 'text/html'], ['Cookie', alice.cookieHeader()!], ...extra] });
    expectPageHeaders('404 under the prefix', await html(`${PREFIX}/nothing-here`));
    expectPageHeaders('400 bad path', await html('/assets/%2e%2e/secret'));
    expectPageHeaders('403 CSRF', await alice.post(`${PREFIX}/challenge`, { rd: '/', code: '000000' }));
    const big = await raw(stack.url, { method: 'POST', target: `${PREFIX}/challenge`, headers: [['Accept', 'text/html'], ['Content-Type', 'application/x-www-form-urlencoded']], body: 'code=' + '1'.repeat(100_000) });
    expect(big.status).toBe(413);
    expectPageHeaders('413 too large', big);
  });

  it('should refuse to answer an undecodable URL without Gatehouse’s own page and headers', async () => {
    // Invalid UTF-8 in the path is refused by Fastify's router before any Gatehouse code runs.
    const res = await raw(stack.url, { target: '/assets/%C0%AE%C0%AE/secret', headers: [['Accept', 'text/html']] });
    expect(res.status).toBe(400);
    expectPageHeaders('400 from the router', res);
  });

  it('should refuse to show the lockout page without the security headers', async () => {
    const s = await startStack({ config: { twoFactor: { lockout: { maxFailures: 2, window: '5m', duration: '15m' } } } });
    try {
      const { b, key } = await enrolledUser(s, 'alice');
      const csrf = await csrfOf(b);
      await b.post(`${PREFIX}/challenge`, { csrf, rd: '/', code: totp(s, key, 5) });
      const locked = await b.post(`${PREFIX}/challenge`, { csrf, rd: '/', code: totp(s, key, 5) });
      expect(locked.status).toBe(429);
      expectPageHeaders('locked (post)', locked);
      const page = await b.get(`${PREFIX}/locked`);
      expect(page.status).toBe(429);
      expectPageHeaders('locked (page)', page);
    } finally {
      await s.close();
    }
  });
});

describe('Gatehouse’s other answers', () => {
  it('should refuse to send JSON answers or redirects that a cache could keep', async () => {
    const json = (target: string, extra: [string, string][] = []) => raw(stack.url, { target, headers: [['Accept', 'application/json'], ...extra] });
    // whoami and healthz are read by people debugging and by probes: never cached.
    for (const t of ['whoami', 'healthz']) expect(String((await json(`${PREFIX}/${t}`, [['Cookie', alice.cookieHeader()!]])).headers['cache-control']), t).toMatch(/no-store/);
    expectJsonHeaders('401 from the gate', await json('/secret', [['Cookie', alice.cookieHeader()!]]));
    expectJsonHeaders('400 bad path', await json('/assets/%2e%2e/secret'));
    expectJsonHeaders('404 under the prefix', await json(`${PREFIX}/nothing-here`));
    expectJsonHeaders('401 from the API', await json(`${PREFIX}/api/users`));
    const redirect = await raw(stack.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', alice.cookieHeader()!]] });
    expect(redirect.status).toBe(302);
    expect(String(redirect.headers['cache-control'])).toMatch(/no-store/);
  });

  it('should refuse to serve its scripts and styles without nosniff', async () => {
    for (const file of ['gatehouse.css', 'theme.css', 'gatehouse.js']) {
      const res = await raw(stack.url, { target: `${PREFIX}/static/${file}` });
      expect(res.status, file).toBe(200);
      expect(res.headers['x-content-type-options'], file).toBe('nosniff');
      expect(String(res.headers['content-type']), file).toMatch(file.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    }
  });
});
