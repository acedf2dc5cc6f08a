/**
 * Issue 3 §6: browsers come back to the exact page first asked for, and only
 * ever to a same-origin path on server.publicUrl — whatever `rd` or the Host
 * header says. Everything that is not a browser navigation gets a 401 JSON
 * answer instead of a redirect, and is not forwarded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inputValue, pathOf } from '../helpers/client.js';
import { browserFor, enrol, totp } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { relogin } from './support.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

const PUBLIC = 'http://gatehouse.test';

const ATTEMPTS = [
  '//evil.example',
  '//evil.example/path',
  '/\\evil.example',
  '/\\/evil.example',
  '\\\\evil.example',
  'https://evil.example',
  'http:evil.example',
  '/%2F%2Fevil.example',
  '/%2f%2fevil.example',
  '/%5Cevil.example',
  '%2F%2Fevil.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '/\t/evil.example',
  '/\r\nLocation: https://evil.example',
  '/%0d%0aSet-Cookie:x=1',
  ' //evil.example',
  '/_gatehouse/challenge',
  '/_gatehouse/enrol?rd=//evil.example',
  '/_GATEHOUSE/admin',
  '/a/../_gatehouse/challenge',
  '',
];

/** The Location of a 3xx is on the public origin, and its path (no host tricks). */
function sameOrigin(location: string | undefined): string {
  expect(location).toBeDefined();
  const u = new URL(location!);
  expect(u.origin).toBe(PUBLIC);
  expect(location!.startsWith(PUBLIC + '/')).toBe(true);
  expect(location!.slice(PUBLIC.length)).not.toMatch(/^\/[/\\]/);
  expect(location).not.toMatch(/[\r\n\t]/);
  return u.pathname + u.search;
}

describe('return paths (rd)', () => {
  it.each(ATTEMPTS)('should land on a same-origin path after the code, whatever rd is: %j', async (rd) => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b);
    await relogin(b, 'alice');
    const page = await b.get(`/_gatehouse/challenge?rd=${encodeURIComponent(rd)}`);
    expect(page.status).toBe(200);
    // The page carries only a safe rd forward.
    const carried = inputValue(page.body, 'rd')!;
    expect(carried.startsWith('/')).toBe(true);
    expect(carried).not.toMatch(/^\/[/\\]|evil|_gatehouse/i);
    // Posting the attack directly (not what the page carried) gets the same treatment.
    const res = await b.post('/_gatehouse/challenge', { csrf: inputValue(page.body, 'csrf')!, rd, code: totp(stack, key) });
    expect(res.status).toBe(303);
    const path = sameOrigin(res.location);
    expect(path).toBe('/');
  });

  it('should come back to the exact original URL, query included', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b);
    await relogin(b, 'alice');
    const first = await b.get('/reports/2026/q3?view=full&sort=-date&q=caf%C3%A9');
    expect(first.status).toBe(302);
    const challenge = pathOf(first.location);
    const page = await b.get(challenge);
    const rd = inputValue(page.body, 'rd')!;
    expect(rd).toBe('/reports/2026/q3?view=full&sort=-date&q=caf%C3%A9');
    const res = await b.post('/_gatehouse/challenge', { csrf: inputValue(page.body, 'csrf')!, rd, code: totp(stack, key) });
    expect(sameOrigin(res.location)).toBe('/reports/2026/q3?view=full&sort=-date&q=caf%C3%A9');
  });

  it('should send a not-logged-in visitor of a Gatehouse page only to a same-origin path', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    for (const rd of ['//evil.example', 'https://evil.example', '/reports']) {
      const res = await b.get(`/_gatehouse/challenge?rd=${encodeURIComponent(rd)}`);
      expect(res.status).toBe(302);
      expect(sameOrigin(res.location)).toBe(rd === '/reports' ? '/reports' : '/');
    }
  });
});

describe('forged Host header', () => {
  it('should build every redirect on server.publicUrl, never on the Host header', async () => {
    stack = await startStack();
    const b = browserFor(stack, { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    await b.login('alice');
    const gate = await b.get('/reports');
    expect(gate.status).toBe(302);
    expect(sameOrigin(gate.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    const page = await b.get('/_gatehouse/enrol?rd=%2Freports');
    const key = inputValue(page.body, 'manual-key')!.replace(/\s+/g, '');
    const done = await b.post('/_gatehouse/enrol', { csrf: inputValue(page.body, 'csrf')!, rd: '/reports', code: totp(stack, key) });
    expect(done.status).toBe(200);
    expect(done.body).not.toContain('evil.example');
    stack.clock.advance(30_000);
    await relogin(b, 'alice');
    const api = await b.send('GET', '/reports', { headers: { accept: 'application/json' } });
    expect(JSON.parse(api.body).location).toBe(`${PUBLIC}/_gatehouse/challenge?rd=%2Freports`);
    const ch = await b.get('/_gatehouse/challenge?rd=%2Freports');
    const ok = await b.post('/_gatehouse/challenge', { csrf: inputValue(ch.body, 'csrf')!, rd: '/reports', code: totp(stack, key) });
    expect(sameOrigin(ok.location)).toBe('/reports');
  });
});

describe('requests that are not browser navigations', () => {
  it.each([
    ['POST', { accept: 'text/html' }, 'x=1'],
    ['PUT', { accept: 'text/html' }, 'x=1'],
    ['DELETE', { accept: '*/*' }, undefined],
    ['GET', { accept: 'application/json' }, undefined],
    ['GET', { accept: '*/*' }, undefined],
    ['GET', { 'x-requested-with': 'XMLHttpRequest', accept: 'application/json, text/plain, */*' }, undefined],
  ] as const)('should answer %s %j with 401 JSON and forward nothing', async (method, headers, body) => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const st = stack.intranet.stats;
    const before = st.requests - st.meRequests;
    const res = await b.send(method, '/upload', { headers: { ...headers }, ...(body ? { body } : {}) });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const json = JSON.parse(res.body);
    expect(json.error).toBe('GH_ERR_ENROLMENT_REQUIRED');
    expect(json.location).toBe(`${PUBLIC}/_gatehouse/enrol?rd=%2Fupload`);
    // Only identity look-ups reached the intranet, never the request itself.
    expect(st.requests - st.meRequests).toBe(before);
  });

  it('should redirect a HEAD navigation like a GET one', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const res = await b.send('HEAD', '/reports');
    expect(res.status).toBe(302);
    expect(pathOf(res.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
  });

  it('should answer 401 JSON with second-factor-required for an enrolled user’s API call', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    await enrol(stack, b);
    await relogin(b, 'alice');
    const res = await b.send('POST', '/upload', { body: '{}', headers: { accept: 'application/json', 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'GH_ERR_SECOND_FACTOR_REQUIRED', location: `${PUBLIC}/_gatehouse/challenge?rd=%2Fupload` });
  });
});
