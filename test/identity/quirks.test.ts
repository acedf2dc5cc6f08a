/**
 * DESIGN §4, hazards of real intranets: an intranet that answers anonymous
 * users with 200 and a login form, and a PHP-style intranet that keeps the
 * same session id across logout and login. Neither may let anyone past the
 * second factor.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pathOf } from '../helpers/client.js';
import { browserFor, enrol, verify } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

describe('anonymousOk quirk (200 + login form for anonymous users)', () => {
  it('should read "no user in the answer" as anonymous and forward, then ask the logged-in user', async () => {
    stack = await startStack({ intranet: { quirks: { anonymousOk: true } } });
    const b = browserFor(stack);
    // An unknown session: /api/me answers 200 with the login form.
    b.jar.set('sid', 'stale-session');
    const anon = await b.get('/reports');
    expect(anon.status).toBe(200);
    expect(anon.body).toContain('name="password"');
    const who = JSON.parse((await b.get('/_gatehouse/whoami', { accept: 'application/json' })).body);
    expect(who.identity).toBeNull();

    await b.login('alice');
    const res = await b.get('/reports');
    expect(res.status).toBe(302);
    expect(pathOf(res.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
  });
});

describe('reuseSessionId quirk (the same sid across logout and login)', () => {
  it('should not carry a verified 2FA session over to another user logging in on the same sid', async () => {
    stack = await startStack({ intranet: { quirks: { reuseSessionId: true } } });
    const b = browserFor(stack);
    await b.login('alice');
    const sid = b.jar.get('sid');
    await enrol(stack, b);
    expect((await b.get('/reports')).status).toBe(200);

    await b.get('/logout');
    await b.login('admin');
    expect(b.jar.get('sid')).toBe(sid); // the quirk: same credential, no Set-Cookie
    const res = await b.get('/reports');
    // admin is in scope and not enrolled: asked to set up, never let through as alice's session.
    expect(res.status).toBe(302);
    expect(pathOf(res.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    const who = JSON.parse((await b.get('/_gatehouse/whoami', { accept: 'application/json' })).body);
    expect(who.identity.user).toBe('admin');
  });

  it('should ask the same user again after a new login on the same sid (no remembered device)', async () => {
    stack = await startStack({ intranet: { quirks: { reuseSessionId: true } } });
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b);
    expect((await b.get('/reports')).status).toBe(200);

    await b.get('/logout');
    await b.login('alice');
    const res = await b.get('/reports');
    expect(res.status).toBe(302);
    expect(pathOf(res.location)).toBe('/_gatehouse/challenge?rd=%2Freports');
    const v = await verify(stack, b, key);
    expect(v.path).toBe('/reports');
    expect((await b.get('/reports')).status).toBe(200);
  });

  it('should ask a user who was anonymous on a sid as soon as they log in on it', async () => {
    stack = await startStack({ intranet: { quirks: { reuseSessionId: true } } });
    const b = browserFor(stack);
    b.jar.set('sid', 'chosenbytheclient');
    expect((await b.get('/reports')).status).toBe(302); // the intranet's own login redirect
    await b.login('alice');
    expect(b.jar.get('sid')).toBe('chosenbytheclient');
    const res = await b.get('/reports');
    expect(pathOf(res.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
  });
});
