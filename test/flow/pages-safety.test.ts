/**
 * Issue 3 §3: every form carries a CSRF token bound to one intranet login,
 * and a post without it, with a wrong one or with one from another login is
 * refused (403) without doing anything; every page sends a strict CSP with
 * frame-ancestors 'none', no referrer, nosniff and no-store; oversized form
 * posts (413) and headers (431) are refused without harming the process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inputValue } from '../helpers/client.js';
import { browserFor, enrol, totp } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { rawRequest } from '../proxy/support.js';
import { landing, relogin } from './support.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

const POSTS = ['/_gatehouse/enrol', '/_gatehouse/skip', '/_gatehouse/challenge', '/_gatehouse/recovery', '/_gatehouse/recovery-codes.txt'];

describe('CSRF', () => {
  it.each(POSTS)('should refuse %s without a token, with a wrong one, and with another login’s', async (path) => {
    stack = await startStack({ config: { twoFactor: { enforce: false } } });
    const b = browserFor(stack);
    await b.login('alice');
    const oldLogin = inputValue((await b.get('/_gatehouse/enrol?rd=%2F')).body, 'csrf')!;
    const { key, codes } = await enrol(stack, b);
    await relogin(b, 'alice');
    const current = inputValue((await b.get('/_gatehouse/challenge?rd=%2F')).body, 'csrf')!;
    expect(current).not.toBe(oldLogin);

    const other = browserFor(stack);
    await other.login('admin');
    const otherUser = inputValue((await other.get('/_gatehouse/enrol?rd=%2F')).body, 'csrf')!;

    const form = { rd: '/reports', code: path.includes('recovery') ? codes[0]! : totp(stack, key), codes: codes[0]! };
    for (const csrf of [undefined, '', 'x'.repeat(43), current.slice(0, -1) + (current.endsWith('A') ? 'B' : 'A'), oldLogin, otherUser]) {
      const res = await b.post(path, csrf === undefined ? form : { ...form, csrf });
      expect(res.status, `csrf ${JSON.stringify(csrf)}`).toBe(403);
      expect(res.setCookies.filter((c) => /^gh_[sdk]=/.test(c))).toEqual([]);
    }
    // Nothing happened: no session, no skip, the code and the recovery code are still unused.
    expect(await landing(b)).toBe('/_gatehouse/challenge');
    expect((await stack.store.getUser('alice'))?.recoveryCodesLeft).toBe(10);
    expect(await stack.store.listAudit({ user: 'alice', type: 'skipped', limit: 5 })).toHaveLength(0);
    const ok = await b.post('/_gatehouse/challenge', { csrf: current, rd: '/reports', code: totp(stack, key) });
    expect(ok.status).toBe(303);
  });

  it('should answer a missing token with an HTML page for a browser and JSON otherwise', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const html = await b.post('/_gatehouse/skip', { rd: '/' });
    expect(html.status).toBe(403);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    const json = await b.post('/_gatehouse/skip', { rd: '/' }, { accept: 'application/json' });
    expect(json.status).toBe(403);
    expect(JSON.parse(json.body).error).toBe('GH_ERR_CSRF');
  });
});

describe('security headers on every page', () => {
  function checkHeaders(res: { status: number; headers: Record<string, string | string[] | undefined>; body: string }, what: string): void {
    const h = res.headers;
    const csp = String(h['content-security-policy'] ?? '');
    expect(csp, what).toContain("frame-ancestors 'none'");
    expect(csp, what).toContain("default-src 'none'");
    expect(csp, what).not.toContain('unsafe-inline');
    expect(csp, what).not.toContain('unsafe-eval');
    expect(h['referrer-policy'], what).toBe('no-referrer');
    expect(h['x-content-type-options'], what).toBe('nosniff');
    expect(String(h['cache-control']), what).toContain('no-store');
    // With no 'unsafe-inline' an inline script or style would not run: none must be relied on.
    expect(res.body, what).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body, what).not.toMatch(/\son\w+="/);
    expect(res.body, what).not.toMatch(/<style[\s>]/);
  }

  it('should send them on enrolment, recovery codes, challenge, recovery, locked and error pages', async () => {
    stack = await startStack({ config: { twoFactor: { lockout: { maxFailures: 1 } } } });
    const b = browserFor(stack);
    await b.login('alice');
    const enrolPage = await b.get('/_gatehouse/enrol?rd=%2F');
    checkHeaders(enrolPage, 'enrol');
    const key = inputValue(enrolPage.body, 'manual-key')!.replace(/\s+/g, '');
    const codesPage = await b.post('/_gatehouse/enrol', { csrf: inputValue(enrolPage.body, 'csrf')!, rd: '/', code: totp(stack, key) });
    expect(codesPage.status).toBe(200);
    checkHeaders(codesPage, 'recovery codes');
    stack.clock.advance(30_000);
    await relogin(b, 'alice');
    checkHeaders(await b.get('/_gatehouse/challenge?rd=%2F'), 'challenge');
    checkHeaders(await b.get('/_gatehouse/recovery?rd=%2F'), 'recovery');
    checkHeaders(await b.get('/_gatehouse/nothing-here'), '404');
    const csrf = inputValue((await b.get('/_gatehouse/challenge?rd=%2F')).body, 'csrf')!;
    const locked = await b.post('/_gatehouse/challenge', { csrf, rd: '/', code: '000000' === totp(stack, key) ? '111111' : '000000' });
    expect(locked.status).toBe(429);
    checkHeaders(locked, 'locked (post)');
    checkHeaders(await b.get('/_gatehouse/locked?rd=%2F'), 'locked');
    await stack.intranet.close();
    checkHeaders(await rawRequest(stack.url, { path: '/', headers: { accept: 'text/html' } }).then((r) => ({ ...r, body: r.body.toString() })), '502');
  });
});

describe('oversized requests to Gatehouse’s pages', () => {
  it('should refuse a 10 MB form post with 413 and keep serving', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const csrf = inputValue((await b.get('/_gatehouse/enrol?rd=%2F')).body, 'csrf')!;
    const body = `csrf=${csrf}&rd=%2F&code=${'1'.repeat(10 * 1024 * 1024)}`;
    for (const path of ['/_gatehouse/enrol', '/_gatehouse/challenge']) {
      const res = await rawRequest(stack.url, {
        method: 'POST',
        path,
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.cookieHeader()!, accept: 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body.toString()).error).toBe('GH_ERR_TOO_LARGE');
    }
    const page = await rawRequest(stack.url, {
      method: 'POST',
      path: '/_gatehouse/challenge',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.cookieHeader()!, accept: 'text/html' },
    });
    expect(page.status).toBe(413);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // Chunked, with no Content-Length to refuse up front: counted while read.
    const chunked = await rawRequest(stack.url, {
      method: 'POST',
      path: '/_gatehouse/challenge',
      body,
      chunkSize: 64 * 1024,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.cookieHeader()!, accept: 'application/json' },
    });
    expect(chunked.status).toBe(413);
    expect((await rawRequest(stack.url, { path: '/_gatehouse/healthz' })).status).toBe(200);
    expect((await b.get('/_gatehouse/enrol?rd=%2F')).status).toBe(200);
  });

  it('should refuse 1 MB of headers with 431 and keep serving', async () => {
    stack = await startStack();
    const huge = 'x'.repeat(1024 * 1024);
    for (const path of ['/_gatehouse/challenge', '/reports']) {
      const res = await rawRequest(stack.url, { path, headers: { 'x-huge': huge } });
      expect(res.status).toBe(431);
    }
    const many = Array.from({ length: 2000 }, (_, i) => [`x-h${i}`, 'y'.repeat(500)]).flat();
    expect((await rawRequest(stack.url, { path: '/reports', headers: many })).status).toBe(431);
    expect((await rawRequest(stack.url, { path: '/_gatehouse/healthz' })).status).toBe(200);
    expect(stack.intranet.stats.requests).toBe(0);
  });
});
