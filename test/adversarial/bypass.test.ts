/**
 * Bypass-rule tricks (issue 6): paths that a lenient upstream resolves to
 * /secret while a naive proxy sees /assets/… or /login. The demo intranet
 * decodes everything on purpose (%2F, %5C, `\`, `;params`, `..`), so a trick
 * that got past the gate really would serve the secret. Requests are written
 * on raw sockets: an HTTP client would tidy the very bytes under test.
 *
 * Each attack is alice (enrolled, no 2FA session in this login). The answer
 * must be Gatehouse's own: 400 with the reason when the path is ambiguous, or
 * the normalised path judged like any other (a code is required), and in both
 * cases nothing forwarded. The net tests (test/net/path.test.ts) hold the
 * normaliser's properties; this file is about what reaches the upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { enrolledUser, expectNotForwarded, forwarded, loggedIn, PUBLIC_ORIGIN, PREFIX, raw, SECRET } from './support.js';

type Expect = 'bad' | 'challenge';

/** [request target, what Gatehouse must answer]. */
const TRICKS: [string, Expect][] = [
  // The list (oauth2-proxy and Gatekeeper advisories).
  ['/assets/../secret', 'challenge'],
  ['/assets/%2e%2e/secret', 'bad'],
  ['/assets/%2E%2E%2Fsecret', 'bad'],
  ['//assets/../secret', 'bad'],
  ['/assets/..;/secret', 'bad'],
  ['/login;jsessionid=x/../secret', 'bad'],
  ['/login%23/../secret', 'bad'],
  ['/login#/../secret', 'bad'],
  ['/assets/#/../../secret', 'bad'],
  // Parameters that a server strips only after decoding them.
  ['/assets/..%3B/secret', 'bad'],
  ['/assets/..%3bjsessionid=1/secret', 'bad'],
  ['/assets;x=y/../secret', 'bad'],
  ['/favicon.ico;/../secret', 'bad'],
  // Encoded and half-encoded dots and slashes.
  ['/assets/.%2e/secret', 'bad'],
  ['/assets/%2e./secret', 'bad'],
  ['/assets/..%2Fsecret', 'bad'],
  ['/assets/%2e%2e%2fsecret', 'bad'],
  ['/assets/%252e%252e/secret', 'bad'],
  ['/assets/%252e%252e%252fsecret', 'bad'],
  ['/assets/..%00/secret', 'bad'],
  ['/assets/..%u002fsecret', 'bad'],
  // Overlong UTF-8 for `.` and `/` (IIS, old Tomcat).
  ['/assets/%C0%AE%C0%AE/secret', 'bad'],
  ['/assets/%c0%ae%c0%ae%c0%afsecret', 'bad'],
  ['/assets/%E0%80%AE%E0%80%AE/secret', 'bad'],
  ['/assets/%F0%80%80%AE%F0%80%80%AE/secret', 'bad'],
  ['/assets/..%C0%AFsecret', 'bad'],
  // Backslashes, raw and encoded (IIS, Windows upstreams).
  ['/assets\\..\\secret', 'bad'],
  ['/assets/..\\secret', 'bad'],
  ['/assets/%5C../secret', 'bad'],
  ['/assets/..%5Csecret', 'bad'],
  ['/assets/..%5csecret', 'bad'],
  // Unambiguous dot segments and case: judged as what they are.
  ['/assets/./../secret', 'challenge'],
  ['/%61ssets/../secret', 'challenge'],
  ['/login/../secret', 'challenge'],
  ['/favicon.ico/../secret', 'challenge'],
  ['/ASSETS/../secret', 'challenge'],
  ['/SECRET', 'challenge'],
  ['/Secret', 'challenge'],
  ['/%73ecret', 'challenge'],
  ['/./secret', 'challenge'],
  ['/login/..', 'challenge'],
  // Query strings never match a bypass rule.
  ['/secret?/assets/x', 'challenge'],
  ['/secret?x=/login', 'challenge'],
  ['/secret?/login', 'challenge'],
  ['/secret?%2F..%2Fassets%2F', 'challenge'],
  // Trailing slash and matrix parameters are not the bypass path itself.
  ['/secret/', 'challenge'],
  ['/login/', 'challenge'],
  ['/login;x=y', 'challenge'],
  ['/secret;/assets/x', 'challenge'],
  ['/secret;jsessionid=x', 'challenge'],
];

describe('bypass-rule tricks', () => {
  let stack: Stack;
  let alice: string;
  beforeAll(async () => {
    stack = await startStack();
    alice = (await enrolledUser(stack, 'alice')).b.cookieHeader()!;
  });
  afterAll(async () => stack?.close());

  it.each(TRICKS)('should refuse %s', async (target, want) => {
    const before = forwarded(stack);
    // A script (JSON) sees the reason; a browser (HTML) gets a page or the challenge.
    const api = await raw(stack.url, { target, headers: [['Accept', 'application/json'], ['Cookie', alice]] });
    const page = await raw(stack.url, { target, headers: [['Accept', 'text/html'], ['Cookie', alice]] });
    expectNotForwarded(stack, before, api);
    expect(page.body).not.toContain(SECRET);
    const json = JSON.parse(api.body) as { error: string; code?: string; reason?: string; location?: string };
    if (want === 'bad') {
      expect(api.status).toBe(400);
      expect(page.status).toBe(400);
      // Undecodable escapes (invalid UTF-8) are refused by Fastify's router before
      // any route runs; its JSON answer is checked in security-headers.test.ts.
      if (json.code !== 'FST_ERR_BAD_URL') {
        expect(json.error).toBe('GH_ERR_BAD_PATH');
        // Refused by the gate's own judgement (it says why), not by luck further
        // down: reply-from's traversal check answers 400 without a reason after
        // the gate had already decided to forward.
        expect(typeof json.reason).toBe('string');
        expect(page.headers['content-type']).toMatch(/^text\/html/);
      }
    } else {
      expect(api.status).toBe(401);
      expect(json.error).toBe('GH_ERR_SECOND_FACTOR_REQUIRED');
      expect(new URL(json.location!).pathname).toBe(`${PREFIX}/challenge`);
      expect(page.status).toBe(302);
      expect(new URL(String(page.headers.location)).origin).toBe(PUBLIC_ORIGIN);
    }
  });

  it.each<[string]>([['OPTIONS'], ['PROPFIND'], ['POST'], ['DELETE'], ['TRACE']])('should refuse %s on the protected page without a code', async (method) => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { method, target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', alice]], ...(method === 'POST' ? { body: 'a=1' } : {}) });
    expectNotForwarded(stack, before, res);
    expect(res.status).toBe(401);
  });

  it('should refuse an absolute-form request target that hides a trick', async () => {
    const before = forwarded(stack);
    const res = await raw(stack.url, { target: `${stack.url}/assets/../secret`, headers: [['Accept', 'application/json'], ['Cookie', alice]] });
    expectNotForwarded(stack, before, res);
    expect(res.status).toBe(400);
  });

  it('should refuse a WebSocket upgrade through a bypass trick (/assets/..%3B/ws)', async () => {
    const ws = stack.intranet.stats.wsConnections;
    for (const target of ['/assets/..%3B/ws', '/assets/../ws', '/assets/..;/ws', '/assets/%2e%2e/ws', '/assets/..%5Cws', '/assets/%C0%AE%C0%AE/ws', '//assets/../ws']) {
      const res = await raw(stack.url, {
        target,
        headers: [['Cookie', alice], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Version', '13']],
        timeoutMs: 3000,
      });
      expect(res.status, target).not.toBe(101);
      expect([400, 401]).toContain(res.status);
      expect(stack.intranet.stats.wsConnections, target).toBe(ws);
    }
  });
});

describe('the upstream receives the path Gatehouse judged', () => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    // /echo as a bypass rule: then what alice reaches through it shows what the upstream was sent.
    stack = await startStack({ config: { bypass: ['/login', '/logout', '/assets/**', '/favicon.ico', '/echo'] } });
    alice = (await enrolledUser(stack, 'alice')).b.cookieHeader()!;
    bob = (await loggedIn(stack, 'bob')).cookieHeader()!;
  });
  afterAll(async () => stack?.close());

  it.each<[string, string]>([
    ['/x/../echo', '/echo'],
    ['/assets/../echo', '/echo'],
    ['/./echo', '/echo'],
    ['//echo', '/echo'],
    ['///echo', '/echo'],
    ['/%65cho', '/echo'],
    ['/%65%63%68%6F', '/echo'],
    ['/secret/../echo', '/echo'],
    ['/echo?next=/../secret&x=%2F..%2Fsecret', '/echo?next=/../secret&x=%2F..%2Fsecret'],
  ])('should refuse to forward %s as anything but the normalised path', async (target, judged) => {
    // Bypassed for alice (no code), forwarded for bob (out of scope): both must carry the judged path.
    for (const cookie of [alice, bob]) {
      const res = await raw(stack.url, { target, headers: [['Cookie', cookie]] });
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as { url: string }).url).toBe(judged);
    }
  });

  it('should refuse to let a bypass match on what only the upstream decodes (/echo;x, /echo/, /ECHO)', async () => {
    for (const target of ['/echo;x', '/echo/', '/ECHO', '/echo%3Bx']) {
      const before = forwarded(stack);
      const res = await raw(stack.url, { target, headers: [['Accept', 'application/json'], ['Cookie', alice]] });
      expectNotForwarded(stack, before, res);
      expect([400, 401]).toContain(res.status);
    }
  });
});
