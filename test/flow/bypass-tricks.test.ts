/**
 * Issue 3 §1 end to end: bypass rules are matched on the normalised path, and
 * whatever a client does to the path, an in-scope user without a second
 * factor never reads /secret through a bypass rule. The demo intranet routes
 * as leniently as the most permissive real servers (decodes %2F and %5C,
 * strips `;params`, resolves dots), so a trick Gatehouse let through would
 * really show the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/client.js';
import { browserFor } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { rawRequest } from '../proxy/support.js';

const SECRET = 'S3CR3T-LASAGNE-42';
let stack: Stack;
let alice: Browser;
beforeAll(async () => {
  stack = await startStack();
  alice = browserFor(stack);
  await alice.login('alice');
});
afterAll(async () => stack?.close());

describe('path tricks around bypass rules', () => {
  it('should ask alice for a second factor on /secret itself (the control case)', async () => {
    const res = await alice.get('/secret');
    expect(res.status).toBe(302);
    expect(res.body).not.toContain(SECRET);
  });

  it.each([
    '/assets/../secret',
    '/assets/./../secret',
    '/login/../secret',
    '/assets/%2e%2e/secret',
    '/assets/%2E%2E/secret',
    '/assets/.%2e/secret',
    '/assets/..%2fsecret',
    '/assets/..%2Fsecret',
    '/assets/..%5csecret',
    '/assets/..\\secret',
    '/assets/..;/secret',
    '/assets/..;jsessionid=x/secret',
    '/assets;x=1/../secret',
    '/assets//../secret',
    '/assets/%252e%252e/secret',
    '/assets/%c0%ae%c0%ae/secret',
    '/login%2f..%2fsecret',
    '/login%00/../secret',
    '/%2e%2e/secret',
    '//secret',
    '/./secret',
    '/secret/',
    '/secret;x',
    '/SECRET',
    '/secret%20',
    '/s%65cret',
  ])('should never show /secret for %s', async (path) => {
    const res = await rawRequest(stack.url, { path, headers: { cookie: alice.cookieHeader()!, accept: 'text/html' } });
    expect(res.body.toString()).not.toContain(SECRET);
    expect([302, 400, 404]).toContain(res.status);
  });
});
