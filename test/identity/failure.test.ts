/**
 * Issue 2 §5 and DESIGN §6 (fail closed): when the identity look-up fails —
 * the intranet answers 500, is too slow, or is down — a request with a
 * credential is answered 503 and never forwarded, is never treated as
 * anonymous, and service resumes by itself once the intranet is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startIntranet } from '../../demo/intranet.js';
import { Browser } from '../helpers/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { rawRequest } from '../proxy/support.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

async function expect503NotForwarded(s: Stack, cookie: string): Promise<void> {
  const before = s.intranet.stats.requests;
  const page = await rawRequest(s.url, { path: '/reports', headers: { cookie, accept: 'text/html' } });
  expect(page.status).toBe(503);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.headers['retry-after']).toBeDefined();
  const api = await rawRequest(s.url, { method: 'POST', path: '/upload', body: 'x', headers: { cookie, accept: 'application/json' } });
  expect(api.status).toBe(503);
  expect(JSON.parse(api.body.toString()).error).toBe('GH_ERR_IDENTITY_UNAVAILABLE');
  const who = await rawRequest(s.url, { path: '/_gatehouse/whoami', headers: { cookie } });
  expect(who.status).toBe(503);
  // Only look-ups reached the intranet (3 requests, 3 look-ups): /reports and /upload never did.
  expect(s.intranet.stats.requests - before).toBe(3);
}

describe('identity look-up failure', () => {
  it('should answer 503 and forward nothing when the look-up answers 500', async () => {
    stack = await startStack({ config: { identity: { lookup: { path: '/status/500' } } } });
    await expect503NotForwarded(stack, 'sid=whatever');
  });

  it('should answer 503 and forward nothing when the look-up times out', async () => {
    stack = await startStack({ config: { identity: { lookup: { path: '/slow?ms=10000', timeout: '200ms' } } } });
    await expect503NotForwarded(stack, 'sid=whatever');
  });

  it('should not cache a failure: the next request asks again', async () => {
    stack = await startStack({ config: { identity: { lookup: { path: '/status/500' } } } });
    for (let i = 0; i < 3; i++) await rawRequest(stack.url, { path: '/echo', headers: { cookie: 'sid=x' } });
    expect(stack.intranet.stats.requests).toBe(3);
  });

  it('should answer 503 (not 502, not anonymous) while the intranet is down, and resume by itself when it is back', async () => {
    stack = await startStack();
    const b = new Browser(stack.url);
    await b.login('bob');
    const cookie = b.cookieHeader()!;
    const port = stack.intranet.port;
    await stack.intranet.close();

    const res = await rawRequest(stack.url, { path: '/reports', headers: { cookie, accept: 'application/json' } });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body.toString()).error).toBe('GH_ERR_IDENTITY_UNAVAILABLE');
    // Without any credential there is nobody to look up: the request is forwarded and fails as 502.
    expect((await rawRequest(stack.url, { path: '/reports', headers: { accept: 'application/json' } })).status).toBe(502);

    // The intranet comes back on the same address (its sessions are gone: log in again).
    const back = await startIntranet({ port, quiet: true });
    stack.intranet = back;
    const again = new Browser(stack.url);
    await again.login('bob');
    const ok = await again.get('/reports');
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('Logged in as bob');
  });
});
