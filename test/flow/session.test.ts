/**
 * Issue 3 §4, DESIGN §5: a verified 2FA session ends after
 * twoFactor.session.idleTimeout without requests and after maxAge whatever
 * the activity; resetting a user (store.resetUser, as the console and the CLI
 * do) ends their sessions and remembered devices at once and asks them to set
 * up again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inputValue } from '../helpers/client.js';
import { browserFor, enrol, totp, verify } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { landing, relogin } from './support.js';

const MIN = 60_000;
let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

const config = { twoFactor: { session: { idleTimeout: '30m', maxAge: '2h' } } };

describe('2FA session limits', () => {
  it('should end the session after idleTimeout without requests', async () => {
    stack = await startStack({ config });
    const b = browserFor(stack);
    await b.login('alice');
    await enrol(stack, b);
    expect(await landing(b)).toBe('through');
    stack.clock.advance(29 * MIN);
    expect(await landing(b)).toBe('through');
    stack.clock.advance(31 * MIN);
    expect(await landing(b)).toBe('/_gatehouse/challenge');
  });

  it('should keep an active session alive past idleTimeout, but never past maxAge', async () => {
    stack = await startStack({ config });
    const b = browserFor(stack);
    await b.login('alice');
    await enrol(stack, b);
    // A request every 10 minutes for 1h50: each one pushes the idle deadline on.
    for (let t = 0; t < 11; t++) {
      stack.clock.advance(10 * MIN);
      expect(await landing(b), `after ${(t + 1) * 10} minutes`).toBe('through');
    }
    stack.clock.advance(10 * MIN + 1000);
    expect(await landing(b)).toBe('/_gatehouse/challenge');
  });

  it('should still let a remembered device in once the session has reached maxAge', async () => {
    stack = await startStack({ config });
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b);
    await relogin(b, 'alice');
    await verify(stack, b, key, { remember: true });
    // The session ends by maxAge, the remembered device (30 days) still lets the user in.
    stack.clock.advance(3 * 60 * MIN);
    expect(await landing(b)).toBe('through');
  });
});

describe('session cookie renewal', () => {
  it('should renew the cookie once per second for a client that keeps sending the old one (scripts, parallel requests)', async () => {
    stack = await startStack({ config });
    const b = browserFor(stack);
    await b.login('alice');
    await enrol(stack, b);
    const old = b.cookieHeader()!;
    const get = async (): Promise<{ status: number; renewed: string | undefined }> => {
      const res = await fetch(`${stack.url}/reports`, { headers: { cookie: old }, redirect: 'manual' });
      await res.arrayBuffer();
      return { status: res.status, renewed: res.headers.getSetCookie().find((c) => c.startsWith('gh_s=')) };
    };
    // Past the renewal interval (a minute at most), at the start of a second:
    // every answer renews the cookie, and within that second it is one cookie.
    stack.clock.advance(2 * MIN + (1000 - (stack.clock.t % 1000)));
    const same = [await get()];
    stack.clock.advance(10);
    same.push(await get());
    stack.clock.advance(500);
    same.push(await get());
    expect(same.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(same[0]!.renewed).toMatch(/^gh_s=/);
    expect(new Set(same.map((r) => r.renewed)).size).toBe(1);
    // The next second signs a new one; the renewed cookie itself lets the user through.
    stack.clock.advance(500);
    const next = await get();
    expect(next.renewed).toMatch(/^gh_s=/);
    expect(next.renewed).not.toBe(same[0]!.renewed);
    const renewed = next.renewed!.split(';')[0]!;
    const withRenewed = await fetch(`${stack.url}/reports`, { headers: { cookie: old.replace(/gh_s=[^;]*/, renewed) }, redirect: 'manual' });
    expect(withRenewed.status).toBe(200);
    expect(withRenewed.headers.getSetCookie().some((c) => c.startsWith('gh_s='))).toBe(false);
  });
});

describe('Gatehouse’s cookies', () => {
  it.each(['http://gatehouse.test', 'https://gatehouse.test'])('should be HttpOnly, SameSite=Lax, site-wide, and Secure only on https (publicUrl %s)', async (publicUrl) => {
    stack = await startStack({ config: { server: { publicUrl } } });
    const b = browserFor(stack);
    await b.login('alice');
    const page = await b.get('/_gatehouse/enrol?rd=%2F');
    const key = inputValue(page.body, 'manual-key')!.replace(/\s+/g, '');
    const done = await b.post('/_gatehouse/enrol', { csrf: inputValue(page.body, 'csrf')!, rd: '/', code: totp(stack, key) });
    const set = [...page.setCookies, ...done.setCookies].filter((c) => c.startsWith('gh_') && !/Max-Age=0/i.test(c));
    expect(set.map((c) => c.split('=')[0])).toEqual(expect.arrayContaining(['gh_e', 'gh_s']));
    for (const c of set) {
      expect(c).toMatch(/; HttpOnly/i);
      expect(c).toMatch(/; SameSite=Lax/i);
      expect(c).toMatch(/; Path=\//i);
      if (publicUrl.startsWith('https')) expect(c).toMatch(/; Secure/i);
      else expect(c).not.toMatch(/; Secure/i);
    }
  });

  it('should make one user’s verified session and remembered device worthless to another user', async () => {
    stack = await startStack();
    const alice = browserFor(stack);
    await alice.login('alice');
    const { key } = await enrol(stack, alice);
    await relogin(alice, 'alice');
    await verify(stack, alice, key, { remember: true });
    expect(await landing(alice)).toBe('through');

    const admin = browserFor(stack);
    await admin.login('admin');
    for (const name of ['gh_s', 'gh_d']) admin.jar.set(name, alice.jar.get(name)!);
    expect(await landing(admin)).toBe('/_gatehouse/enrol');
  });

  it('should ignore a tampered cookie', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b);
    await relogin(b, 'alice');
    await verify(stack, b, key, { remember: true });
    const device = b.jar.get('gh_d')!;
    await relogin(b, 'alice');
    // Extend the remembered device by a year in the payload, keep the signature.
    const [payload, sig] = [device.slice(0, device.lastIndexOf('.')), device.slice(device.lastIndexOf('.'))];
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claim.x += 365 * 86_400_000;
    b.jar.set('gh_d', Buffer.from(JSON.stringify(claim)).toString('base64url') + sig);
    expect(await landing(b)).toBe('/_gatehouse/challenge');
  });
});

describe('reset', () => {
  it('should end the session and the remembered device, and ask to set up again', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b);
    await relogin(b, 'alice');
    await verify(stack, b, key, { remember: true });
    expect(await landing(b)).toBe('through');

    await stack.store.resetUser('alice');
    expect(await landing(b)).toBe('/_gatehouse/enrol');
    await relogin(b, 'alice');
    expect(await landing(b)).toBe('/_gatehouse/enrol');
    // The old secret is gone: set-up starts with a new one.
    const again = await enrol(stack, b);
    expect(again.key).not.toBe(key);
    expect(await landing(b)).toBe('through');
  });
});
