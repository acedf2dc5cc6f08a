/**
 * CSRF (issue 6): every state-changing request under {prefix} needs a token
 * bound to the intranet login it was rendered for. The routes are read from
 * the running app, so a console form added later is attacked too. A
 * forged request must change nothing: no session issued, no code spent, no
 * user reset, no policy swapped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../src/session/index.js';
import type { Browser } from '../helpers/client.js';
import { enrol } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { credentialHash, csrfOf, enrolledUser, loggedIn, postCode, PREFIX, routesOf, setCookieValue, totp } from './support.js';

const API_TOKEN = 'ci-token-0123456789abcdef0123456789abcdef';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** Audit events that record a change (an admin opening the console is not one). */
const CHANGES = new Set(['enrolled', 'verified', 'skipped', 'recovery_used', 'recovery_regenerated', 'reset', 'unlocked', 'policy_changed', 'reload_ok', 'reload_failed']);

let stack: Stack;
let admin: Browser;
let bobToken: string;
beforeAll(async () => {
  stack = await startStack({ config: { admin: { users: ['admin'], groups: [] }, api: { tokens: [{ name: 'ci', token: API_TOKEN }] } } });
  await enrolledUser(stack, 'alice');
  // The admin has just entered a code: the console's step-up is satisfied, so only the token is missing.
  admin = await loggedIn(stack, 'admin');
  await enrol(stack, admin);
  const bob = await loggedIn(stack, 'bob');
  bobToken = csrfToken('test-cookie-key-0123456789abcdef', credentialHash(bob.jar.get('sid')!), 'bob');
});
afterAll(async () => stack?.close());

/** Everything a forged request could have changed. */
async function snapshot() {
  const alice = await stack.store.getUser('alice');
  return { policy: stack.gh.runtime.live.version, aliceGeneration: alice?.generation, aliceSecret: alice?.sealedSecret, audit: (await stack.store.listAudit({ limit: 1000 })).filter((e) => CHANGES.has(e.type)).length };
}

function stateChangingRoutes(): [string, string][] {
  const seen = new Set<string>();
  return routesOf(stack.gh).filter(([m, p]) => {
    const key = `${m} ${p}`;
    if (SAFE_METHODS.has(m) || !(p === PREFIX || p.startsWith(PREFIX + '/')) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

describe('every state-changing route under the prefix', () => {
  it('should find the routes to attack (the flow’s forms and the console’s)', () => {
    const paths = stateChangingRoutes().map(([m, p]) => `${m} ${p}`);
    for (const must of ['POST /_gatehouse/challenge', 'POST /_gatehouse/enrol', 'POST /_gatehouse/skip', 'POST /_gatehouse/recovery']) expect(paths).toContain(must);
  });

  const forgeries: [string, (csrf: string) => Record<string, string>][] = [
    ['without a token', () => ({})],
    ['with an empty token', () => ({ csrf: '' })],
    ['with a made-up token', () => ({ csrf: 'A'.repeat(43) })],
    ['with another user’s token (bob’s login)', () => ({ csrf: bobToken })],
  ];

  it.each(forgeries)('should refuse every POST/PUT/DELETE/PATCH under the prefix %s', async (_label, tokenOf) => {
    const before = await snapshot();
    const refused: string[] = [];
    for (const [method, path] of stateChangingRoutes()) {
      const isApi = path.startsWith(`${PREFIX}/api`);
      const form = new URLSearchParams({ ...tokenOf(''), rd: '/', code: '000000', user: 'alice', everyone: '1', users: 'alice', trustedIps: '0.0.0.0/0', back: 'scope' }).toString();
      const res = await admin.send(method, path, {
        headers: isApi ? { 'content-type': 'application/json', accept: 'application/json' } : { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: isApi ? JSON.stringify({ user: 'alice', twoFactor: { enabledFor: { everyone: false, users: [] } } }) : form,
      });
      // The console and the flow answer 403 (CSRF); the API takes no cookies at all and answers 401.
      const want = isApi ? [401] : [403];
      if (!want.includes(res.status)) refused.push(`${method} ${path} → ${res.status}`);
      expect(setCookieValue(res.setCookies, 'gh_s')).toBeUndefined();
    }
    expect(refused, 'routes that did not refuse the forged request').toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('should refuse to change anything on GET (reset confirmation page)', async () => {
    const before = await snapshot();
    const res = await admin.get(`${PREFIX}/admin/users/reset?user=alice&csrf=x`);
    expect(res.status).toBe(200);
    expect(await snapshot()).toEqual(before);
  });
});

describe('tokens are bound to one intranet login', () => {
  it('should refuse alice’s token from a previous login, and spend nothing', async () => {
    const s = await startStack();
    try {
      const { b, key } = await enrolledUser(s, 'alice');
      const stale = await csrfOf(b);
      await b.get('/logout');
      await b.login('alice');
      const code = totp(s, key);
      const forged = await postCode(b, stale, code);
      expect(forged.status).toBe(403);
      expect(setCookieValue(forged.setCookies, 'gh_s')).toBeUndefined();
      // The code was not spent, and no failure counted: with the fresh token it works.
      expect((await s.store.lockedUntil('user:alice', s.clock.t))).toBeNull();
      const ok = await postCode(b, await csrfOf(b), code);
      expect(ok.status).toBe(303);
    } finally {
      await s.close();
    }
  });

  it('should refuse bob’s token on alice’s login', async () => {
    const s = await startStack();
    try {
      const { b, key } = await enrolledUser(s, 'alice');
      const bob = await loggedIn(s, 'bob');
      const bobs = csrfToken('test-cookie-key-0123456789abcdef', credentialHash(bob.jar.get('sid')!), 'bob');
      const res = await postCode(b, bobs, totp(s, key));
      expect(res.status).toBe(403);
      expect(res.body).toMatch(/<h1>/);
    } finally {
      await s.close();
    }
  });

  it('should refuse a token signed with a key that is no longer configured', async () => {
    const s = await startStack();
    try {
      const { b, key } = await enrolledUser(s, 'alice');
      const retired = csrfToken('retired-cookie-key-fedcba9876543210', credentialHash(b.jar.get('sid')!), 'alice');
      expect((await postCode(b, retired, totp(s, key))).status).toBe(403);
    } finally {
      await s.close();
    }
  });

  it('should refuse a token sent in the query string instead of the form', async () => {
    const s = await startStack();
    try {
      const { b, key } = await enrolledUser(s, 'alice');
      const token = await csrfOf(b);
      const res = await b.post(`${PREFIX}/challenge?csrf=${encodeURIComponent(token)}`, { rd: '/', code: totp(s, key) });
      expect(res.status).toBe(403);
    } finally {
      await s.close();
    }
  });

  it('should refuse a cross-site form post that only carries the cookies', async () => {
    const s = await startStack();
    try {
      const { b, key } = await enrolledUser(s, 'alice');
      const res = await b.post(`${PREFIX}/challenge`, { rd: '/', code: totp(s, key) }, { origin: 'https://evil.example', referer: 'https://evil.example/form' });
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    } finally {
      await s.close();
    }
  });
});
