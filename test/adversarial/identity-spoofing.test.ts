/**
 * Identity spoofing (issue 6): X-Remote-User / X-Remote-Groups sent by someone
 * other than a trusted proxy, in every spelling a server might fold together,
 * duplicated, with commas or CRLF, and a forged admin group aimed at the
 * console. Whatever the spelling, neither Gatehouse nor the intranet may act
 * on it: /echo shows what the intranet received, whoami what Gatehouse saw.
 *
 * Loopback has all of 127.0.0.0/8: 127.0.0.2 is the trusted proxy, the
 * attacker connects from 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { expectClearError, expectNotForwarded, expectSentTo, forwarded, loggedIn, enrolledUser, PREFIX, raw, rawSend, SECRET, type HeaderList, type RawRes } from './support.js';

const PROXY = '127.0.0.2';
const IDENTITY = new Set(['x-remote-user', 'x-remote-groups', 'x-remote-roles']);

interface Echo {
  url: string;
  headers: Record<string, string>;
  rawHeaders: [string, string][];
}

/** Identity-looking headers the intranet received, in any spelling. */
function identityHeadersAtIntranet(res: RawRes): [string, string][] {
  const e = JSON.parse(res.body) as Echo;
  return e.rawHeaders.filter(([n]) => IDENTITY.has(n.toLowerCase().replace(/_/g, '-')));
}

async function whoami(s: Stack, headers: HeaderList, localAddress?: string) {
  const res = await raw(s.url, { target: `${PREFIX}/whoami`, headers: [['Accept', 'application/json'], ...headers] }, localAddress ? { localAddress } : {});
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as { identity: { user: string; groups: string[] } | null; fromTrustedProxy: boolean };
}

const USER_SPELLINGS: [string, string][] = [
  ['X-Remote-User', 'canonical'],
  ['x-remote-user', 'lower case'],
  ['X-REMOTE-USER', 'upper case'],
  ['x-ReMoTe-uSeR', 'mixed case'],
  ['X_Remote_User', 'underscores (X_Remote_User)'],
  ['x_remote_user', 'lower-case underscores'],
  ['X-Remote_User', 'one underscore'],
  ['X_REMOTE-USER', 'upper case, one underscore'],
];

describe('identity headers from an untrusted peer, header mode', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { identity: { source: 'header' }, network: { trustedProxies: [PROXY] }, admin: { users: ['admin'], groups: ['it-admins'] } } });
  });
  afterAll(async () => stack?.close());

  it.each(USER_SPELLINGS)('should refuse %s (%s) naming an in-scope user', async (name) => {
    const spoof: HeaderList = [[name, 'alice'], ['X-Remote-Groups', 'finance']];
    // Gatehouse does not believe it…
    expect((await whoami(stack, spoof)).identity).toBeNull();
    // …the intranet never sees it…
    const e = await raw(stack.url, { target: '/echo', headers: spoof });
    expect(e.status).toBe(200);
    expect(identityHeadersAtIntranet(e)).toEqual([]);
    // …and the protected page answers an anonymous visitor: the intranet's own login.
    const page = await raw(stack.url, { target: '/secret', headers: [['Accept', 'text/html'], ...spoof] });
    expect(page.body).not.toContain(SECRET);
    expect(page.status).toBe(302);
    expect(page.headers.location).toMatch(/^\/login\?next=/);
  });

  it('should refuse identity headers from an untrusted peer that names the trusted proxy in X-Forwarded-For', async () => {
    const spoof: HeaderList = [['X-Forwarded-For', PROXY], ['X-Remote-User', 'admin'], ['X-Remote-Groups', 'it-admins']];
    const w = await whoami(stack, spoof);
    expect(w.identity).toBeNull();
    expect(w.fromTrustedProxy).toBe(false);
    const e = await raw(stack.url, { target: '/echo', headers: spoof });
    expect(identityHeadersAtIntranet(e)).toEqual([]);
  });

  it('should refuse a spoofed admin user and group at {prefix}/admin', async () => {
    const before = forwarded(stack);
    for (const [u, g] of [['X-Remote-User', 'X-Remote-Groups'], ['X_Remote_User', 'X_Remote_Groups'], ['x-remote-user', 'x-remote-groups']] as const) {
      const res = await raw(stack.url, { target: `${PREFIX}/admin`, headers: [['Accept', 'text/html'], [u, 'admin'], [g, 'it-admins']] });
      // Not logged in as far as Gatehouse can tell: sent to the site's front page, never the console.
      expect(res.status).not.toBe(200);
      expect([302, 303, 401, 403]).toContain(res.status);
      if (res.status >= 400) expectClearError(res, [401, 403]);
      else expect(new URL(String(res.headers.location)).pathname.startsWith(`${PREFIX}/admin`)).toBe(false);
    }
    expectNotForwarded(stack, before, { body: '' });
  });
});

describe('identity headers from the trusted proxy, header mode', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ config: { identity: { source: 'header' }, network: { trustedProxies: [PROXY] }, admin: { users: ['admin'], groups: ['it-admins'] } } });
  });
  afterAll(async () => stack?.close());

  it('should refuse an underscore spelling smuggled next to the proxy’s own header (X_Remote_User beside X-Remote-User)', async () => {
    // The SSO in front set X-Remote-User: bob and passed the client's X_Remote_User through.
    const headers: HeaderList = [['X-Remote-User', 'bob'], ['X_Remote_User', 'alice'], ['x_remote_groups', 'finance']];
    const w = await whoami(stack, headers, PROXY);
    expect(w.identity?.user).toBe('bob');
    expect(w.identity?.groups).toEqual([]);
    const e = await raw(stack.url, { target: '/echo', headers }, { localAddress: PROXY });
    expect(identityHeadersAtIntranet(e).map(([n, v]) => [n.toLowerCase(), v])).toEqual([['x-remote-user', 'bob']]);
  });

  it('should refuse a duplicated X-Remote-User: not identified, and not handed to the intranet to pick one', async () => {
    const before = forwarded(stack);
    const headers: HeaderList = [['Accept', 'application/json'], ['X-Remote-User', 'bob'], ['X-Remote-User', 'alice']];
    expect((await whoami(stack, headers, PROXY)).identity).toBeNull();
    const res = await raw(stack.url, { target: '/echo', headers }, { localAddress: PROXY });
    if (res.status === 200) {
      // Forwarded as anonymous: then the ambiguous header must not go along,
      // or an intranet reading the last value serves alice without a code.
      expect(identityHeadersAtIntranet(res)).toEqual([]);
    } else {
      expectClearError(res, 400);
      expectNotForwarded(stack, before, res);
    }
  });

  it('should refuse X-Remote-User with a comma (two users in one value)', async () => {
    const before = forwarded(stack);
    const headers: HeaderList = [['Accept', 'application/json'], ['X-Remote-User', 'bob, alice']];
    expect((await whoami(stack, headers, PROXY)).identity).toBeNull();
    const res = await raw(stack.url, { target: '/echo', headers }, { localAddress: PROXY });
    if (res.status === 200) {
      expect(identityHeadersAtIntranet(res)).toEqual([]);
    } else {
      expectClearError(res, 400);
      expectNotForwarded(stack, before, res);
    }
  });

  it('should refuse a spoofed admin group (underscore spelling) at {prefix}/admin for a user the proxy named', async () => {
    const res = await raw(stack.url, { target: `${PREFIX}/admin`, headers: [['Accept', 'text/html'], ['X-Remote-User', 'bob'], ['X_Remote_Groups', 'it-admins']] }, { localAddress: PROXY });
    expectClearError(res, 403);
  });

  it('should still ask an in-scope user named by the proxy for a code before the protected page', async () => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target: '/secret', headers: [['Accept', 'text/html'], ['X-Remote-User', 'alice']] }, { localAddress: PROXY });
    expectSentTo(res, 'enrol');
    expectNotForwarded(stack, before, res);
  });
});

describe('identity headers in lookup mode (never trusted, from anyone)', () => {
  let stack: Stack;
  let bobCookie: string;
  let aliceCookie: string;
  beforeAll(async () => {
    stack = await startStack({ config: { admin: { users: ['admin'], groups: ['it-admins'] }, network: { trustedProxies: [PROXY] } } });
    bobCookie = (await loggedIn(stack, 'bob')).cookieHeader()!;
    aliceCookie = (await enrolledUser(stack, 'alice')).b.cookieHeader()!;
  });
  afterAll(async () => stack?.close());

  it.each(USER_SPELLINGS)('should refuse %s (%s) added to a logged-in user’s request', async (name) => {
    const headers: HeaderList = [['Cookie', bobCookie], [name, 'alice'], ['X-Remote-Groups', 'finance']];
    const w = await whoami(stack, headers);
    expect(w.identity?.user).toBe('bob');
    expect(w.identity?.groups).not.toContain('finance');
    const e = await raw(stack.url, { target: '/echo', headers });
    expect(identityHeadersAtIntranet(e)).toEqual([]);
  });

  it('should refuse identity headers even from the trusted proxy (they are not the identity source)', async () => {
    const headers: HeaderList = [['Cookie', bobCookie], ['X-Remote-User', 'admin'], ['X-Remote-Groups', 'it-admins']];
    expect((await whoami(stack, headers, PROXY)).identity?.user).toBe('bob');
    const e = await raw(stack.url, { target: '/echo', headers }, { localAddress: PROXY });
    expect(identityHeadersAtIntranet(e)).toEqual([]);
  });

  it('should refuse to let an in-scope user pose as an out-of-scope one to skip the code', async () => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', aliceCookie], ['X-Remote-User', 'bob'], ['X_Remote_User', 'bob']] });
    expectSentTo(res, 'challenge');
    expectNotForwarded(stack, before, res);
  });

  it('should refuse a spoofed admin group at {prefix}/admin in every spelling', async () => {
    for (const name of ['X-Remote-Groups', 'x_remote_groups', 'X-REMOTE-GROUPS', 'X_Remote-Groups']) {
      const res = await raw(stack.url, { target: `${PREFIX}/admin`, headers: [['Accept', 'text/html'], ['Cookie', bobCookie], [name, 'it-admins'], ['X-Remote-User', 'admin']] });
      expectClearError(res, 403);
    }
  });

  it.each<[string, string]>([
    ['obs-fold continuation line', 'X-Remote-User: bob\r\n alice\r\n'],
    ['bare CR inside the value', 'X-Remote-User: bob\ralice\r\n'],
    ['bare LF ending the line', 'X-Note: x\nX-Remote-User: alice\r\n'],
    ['NUL inside the value', 'X-Remote-User: bob\u0000alice\r\n'],
    ['CRLF injected in a cookie', 'Cookie: a=b\r\nX-Remote-User: alice\r\n'],
  ])('should refuse CRLF tricks in identity headers (%s)', async (_label, injected) => {
    const before = forwarded(stack);
    const head = `GET /echo HTTP/1.1\r\nHost: ${new URL(stack.url).host}\r\nCookie: ${bobCookie}\r\n${injected}Connection: close\r\n\r\n`;
    const res = await rawSend(stack.url, Buffer.from(head, 'latin1'));
    if (res.status === 200) {
      // Parsed into separate headers: then stripped like any other spelling.
      expect(identityHeadersAtIntranet(res)).toEqual([]);
    } else {
      // Refused by the HTTP parser with a plain 400 and nothing forwarded.
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ statusCode: 400 });
      expect(forwarded(stack)).toBe(before);
    }
  });
});
