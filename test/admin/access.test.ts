import { afterEach, describe, expect, it } from 'vitest';
import { pathOf } from '../helpers/client.js';
import { browserFor, enrol, verify } from '../helpers/flows.js';
import { startFileStack, type FileStack } from '../helpers/file-stack.js';
import { open, P, signedIn, textOf } from './helpers.js';

let stack: FileStack;
afterEach(async () => stack?.close());

const MINUTE = 60_000;

describe('who gets into the console', () => {
  it('should refuse users who are not admins with a 403 page, enrolled or not', async () => {
    stack = await startFileStack();
    const bob = browserFor(stack);
    await bob.login('bob');
    const refused = await bob.get(`${P}/admin`);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('You are not allowed here.');
    const { b: alice } = await signedIn(stack, 'alice');
    for (const path of ['/admin', '/admin/users', '/admin/settings', '/admin/audit']) {
      expect((await alice.get(`${P}${path}`)).status).toBe(403);
    }
    const post = await alice.post(`${P}/admin/users/reset`, { user: 'bob', csrf: 'x' });
    expect(post.status).toBe(403);
  });

  it('should send a visitor who is not logged in to the intranet away, never show the console', async () => {
    stack = await startFileStack();
    const res = await browserFor(stack).get(`${P}/admin`);
    expect(res.status).toBe(302);
    expect(pathOf(res.location)).toBe('/');
  });

  it('should send an admin who has not set up two-factor to enrolment first', async () => {
    stack = await startFileStack({ config: { admin: { users: [], groups: ['it-admins'] } } });
    const dave = browserFor(stack);
    await dave.login('dave');
    const first = await dave.get(`${P}/admin`);
    expect(first.status).toBe(303);
    expect(pathOf(first.location)).toMatch(/^\/_gatehouse\/enrol\?rd=%2F_gatehouse%2Fadmin/);
    await enrol(stack, dave, '/');
    const page = await open(dave, '/admin');
    expect(textOf(page.res.body)).toContain('Signed in as dave');
  });

  it('should ask for a fresh code after 15 minutes', async () => {
    stack = await startFileStack();
    const { b, key } = await signedIn(stack);
    await open(b, '/admin');
    stack.clock.advance(14 * MINUTE);
    await open(b, '/admin/users');
    stack.clock.advance(2 * MINUTE);
    const stale = await b.get(`${P}/admin/users?q=al`);
    expect(stale.status).toBe(303);
    expect(pathOf(stale.location)).toBe(`${P}/challenge?rd=${encodeURIComponent(`${P}/admin/users?q=al`)}&stepup=1`);
    // The intranet itself still works: only the console wants the fresh code.
    expect((await b.get('/reports')).status).toBe(200);
    const challenge = await b.get(pathOf(stale.location));
    expect(textOf(challenge.body)).toContain('The admin console needs a fresh code.');
    await verify(stack, b, key, { rd: `${P}/admin` });
    await open(b, '/admin/users');
  });

  it('should bring the admin back to the console page they asked for after the step-up code', async () => {
    stack = await startFileStack();
    const { b, key } = await signedIn(stack);
    stack.clock.advance(16 * MINUTE);
    const stale = await b.get(`${P}/admin/users?q=al`);
    expect(pathOf(stale.location)).toBe(`${P}/challenge?rd=${encodeURIComponent(`${P}/admin/users?q=al`)}&stepup=1`);
    const { path } = await verify(stack, b, key, { rd: `${P}/admin/users?q=al` });
    expect(path).toBe(`${P}/admin/users?q=al`);
    expect((await b.get(path)).status).toBe(200);
  });

  it('should ask for a code even with a remembered device', async () => {
    stack = await startFileStack();
    const { b, key } = await signedIn(stack);
    await verify(stack, b, key, { remember: true });
    // A new intranet login: the remembered device lets the intranet through without a code…
    await b.get('/logout');
    await b.login('admin');
    expect((await b.get('/reports')).status).toBe(200);
    // …but not the console.
    const res = await b.get(`${P}/admin`);
    expect(res.status).toBe(303);
    expect(pathOf(res.location)).toContain('stepup=1');
    await verify(stack, b, key);
    await open(b, '/admin');
  });

  it('should ask for a code even from a trusted IP', async () => {
    stack = await startFileStack({ config: { twoFactor: { trustedIps: ['127.0.0.0/8'] } } });
    const b = browserFor(stack);
    await b.login('admin');
    // Trusted network: the intranet asks nothing…
    expect((await b.get('/reports')).status).toBe(200);
    // …the admin sets up voluntarily, then logs in again.
    const { key } = await enrol(stack, b, '/');
    await b.get('/logout');
    await b.login('admin');
    const res = await b.get(`${P}/admin/trusted-ips`);
    expect(res.status).toBe(303);
    expect(pathOf(res.location)).toContain('stepup=1');
    await verify(stack, b, key);
    const page = await open(b, '/admin/trusted-ips');
    expect(textOf(page.res.body)).toContain('Your address is 127.0.0.1. It is trusted (by 127.0.0.0/8).');
  });

  it('should record the admin opening the console once per verification', async () => {
    stack = await startFileStack();
    const { b } = await signedIn(stack);
    await open(b, '/admin');
    await open(b, '/admin/users');
    const logins = await stack.store.listAudit({ type: 'admin_login', limit: 10 });
    expect(logins).toHaveLength(1);
    expect(logins[0]).toMatchObject({ user: 'admin', actor: 'admin', ip: '127.0.0.1' });
  });
});
