/**
 * Gatehouse's own routes (issue 6): {prefix} spelled with escapes, another
 * case or dot segments must neither open the console to someone who may not
 * see it nor carry a request past the gate; nothing under the prefix is ever
 * forwarded; and the "real URL" headers some proxies honour (X-Forwarded-Uri,
 * X-Original-URL, X-Rewrite-URL — an oauth2-proxy advisory rated critical)
 * are stripped before forwarding and never consulted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { enrolledUser, expectClearError, expectNotForwarded, expectSentTo, forwarded, loggedIn, PREFIX, raw, SECRET, type RawRes } from './support.js';

const URL_HEADERS = ['X-Forwarded-Uri', 'X-Original-URL', 'X-Original-URI', 'X-Rewrite-URL', 'X-Forwarded-Prefix', 'X-Forwarded-Path', 'X_Original_URL', 'x_rewrite_url', 'X_Forwarded_Uri'];

let stack: Stack;
let alice: string;
let bob: string;
beforeAll(async () => {
  // /echo is a bypass rule here, so alice can show what the intranet receives without a code.
  stack = await startStack({ config: { bypass: ['/login', '/logout', '/assets/**', '/favicon.ico', '/echo'] } });
  alice = (await enrolledUser(stack, 'alice')).b.cookieHeader()!;
  bob = (await loggedIn(stack, 'bob')).cookieHeader()!;
});
afterAll(async () => stack?.close());

/** Not the console, and a readable answer. */
function expectNoConsole(res: RawRes): void {
  expect(res.status).not.toBe(200);
  expect(res.body).not.toMatch(/name="csrf"/);
  if (res.status === 302 || res.status === 303) expect(res.headers.location).toBeTruthy();
  else expectClearError(res, [400, 401, 403, 404]);
}

describe('the prefix spelled differently', () => {
  it.each<[string]>([
    ['/%5Fgatehouse/admin'],
    ['/%5fgatehouse/admin/users'],
    ['/_gatehous%65/admin'],
    ['/_%67atehouse/admin/audit'],
    ['/_gatehouse/%61dmin'],
    ['/_gatehouse/admin%2Fusers'],
  ])('should refuse the console to a non-admin through %s, and forward nothing', async (target) => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target, headers: [['Accept', 'text/html'], ['Cookie', bob]] });
    expectNoConsole(res);
    expectNotForwarded(stack, before, res);
  });

  it.each<[string]>([['/_GATEHOUSE/admin'], ['/_Gatehouse/admin/users'], ['/_gatehouse/ADMIN'], ['/_GateHouse/challenge']])(
    'should refuse the console and the gate’s skip through a case change (%s)',
    async (target) => {
      // bob (not an admin): never the console, whoever answers.
      expectNoConsole(await raw(stack.url, { target, headers: [['Accept', 'text/html'], ['Cookie', bob]] }));
      // alice (in scope, no code yet): not outside the prefix without a code either.
      const before = forwarded(stack);
      const res = await raw(stack.url, { target, headers: [['Accept', 'text/html'], ['Cookie', alice]] });
      expectNotForwarded(stack, before, res);
      expect([302, 404]).toContain(res.status);
      if (res.status === 302) expectSentTo(res, 'challenge');
    },
  );
});

describe('dot segments and slashes around the prefix', () => {
  it('should refuse /_gatehouse/../secret as a way past the gate', async () => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target: `${PREFIX}/../secret`, headers: [['Accept', 'text/html'], ['Cookie', alice]] });
    expectSentTo(res, 'challenge');
    expectNotForwarded(stack, before, res);
  });

  it.each<[string]>([['/_gatehouse/%2e%2e/secret'], ['/_gatehouse/..;/secret'], ['/_gatehouse;/../secret'], ['/_gatehouse%2F..%2Fsecret'], ['/_gatehouse/..%5Csecret'], ['/_gatehouse\\..\\secret']])(
    'should refuse the ambiguous %s with 400',
    async (target) => {
      const before = forwarded(stack);
      const res = await raw(stack.url, { target, headers: [['Accept', 'text/html'], ['Cookie', alice]] });
      expectNotForwarded(stack, before, res);
      expect(res.status).toBe(400);
    },
  );

  it.each<[string]>([
    ['/x/../_gatehouse/admin'],
    ['/_gatehouse/./admin'],
    ['/_gatehouse//admin'],
    ['//_gatehouse/admin'],
    ['/_gatehouse/admin/.'],
    ['/_gatehouse/static/../admin'],
    ['/_gatehouse/admin/users/../../admin'],
    ['/_gatehouse/admin;x'],
    ['/_gatehouse/admin/'],
  ])('should refuse the console to a non-admin through %s, and forward nothing', async (target) => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target, headers: [['Accept', 'text/html'], ['Cookie', bob]] });
    expectNoConsole(res);
    expectNotForwarded(stack, before, res);
  });

  it('should refuse /_gatehouse;x/… as a way past the gate (the upstream strips ;x)', async () => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target: '/_gatehouse;x/../secret', headers: [['Accept', 'text/html'], ['Cookie', alice]] });
    expectNotForwarded(stack, before, res);
    expect(res.status).toBe(400);
    const res2 = await raw(stack.url, { target: '/_gatehouse;x/secret', headers: [['Accept', 'text/html'], ['Cookie', alice]] });
    expectNotForwarded(stack, before, res2);
  });
});

describe('nothing under the prefix is forwarded', () => {
  it.each<[string, string]>([
    ['GET', '/_gatehouse/nothing-here'],
    ['GET', '/_gatehouse'],
    ['GET', '/_gatehouse/'],
    ['POST', '/_gatehouse/nothing-here'],
    ['PUT', '/_gatehouse/challenge'],
    ['DELETE', '/_gatehouse/admin'],
    ['PROPFIND', '/_gatehouse/x'],
    ['GET', '/_gatehouse/secret'],
    ['GET', '/_gatehouse/echo'],
  ])('should refuse to forward %s %s', async (method, target) => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { method, target, headers: [['Accept', 'application/json'], ['Cookie', bob]], ...(method === 'GET' ? {} : { body: 'x=1' }) });
    expectNotForwarded(stack, before, res);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('should refuse to forward a WebSocket upgrade under the prefix', async () => {
    const ws = stack.intranet.stats.wsConnections;
    const res = await raw(stack.url, {
      target: `${PREFIX}/ws`,
      headers: [['Cookie', bob], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Version', '13']],
    });
    expect(res.status).toBe(404);
    expect(stack.intranet.stats.wsConnections).toBe(ws);
  });
});

describe('X-Forwarded-Uri, X-Original-URL, X-Rewrite-URL from clients', () => {
  it('should refuse to pass them to the intranet', async () => {
    // alice reaches /echo through its bypass rule: exactly the oauth2-proxy set-up.
    const res = await raw(stack.url, { target: '/echo', headers: [['Cookie', alice], ...URL_HEADERS.map((h): [string, string] => [h, '/secret'])] });
    expect(res.status).toBe(200);
    const e = JSON.parse(res.body) as { url: string; rawHeaders: [string, string][] };
    expect(e.url).toBe('/echo');
    const names = e.rawHeaders.map(([n]) => n.toLowerCase().replace(/_/g, '-'));
    for (const h of URL_HEADERS) expect(names).not.toContain(h.toLowerCase().replace(/_/g, '-'));
    expect(JSON.stringify(e.rawHeaders)).not.toContain('/secret');
  });

  it.each(URL_HEADERS)('should refuse to let %s move a protected request onto a bypass path', async (name) => {
    const before = forwarded(stack);
    for (const value of ['/assets/app.css', '/login', '/echo', `${PREFIX}/healthz`]) {
      const res = await raw(stack.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', alice], [name, value]] });
      expectSentTo(res, 'challenge');
    }
    expectNotForwarded(stack, before, { body: '' });
  });

  it('should refuse to let X-Original-URL turn one of Gatehouse’s own routes into a forward', async () => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target: `${PREFIX}/healthz`, headers: [['Accept', 'application/json'], ['Cookie', alice], ['X-Original-URL', '/secret'], ['X-Rewrite-URL', '/secret']] });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
    expect(res.body).not.toContain(SECRET);
    expectNotForwarded(stack, before, res);
  });
});
