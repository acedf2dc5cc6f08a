/**
 * Issue 2 §5: identities are cached by a hash of the credential for
 * lookup.cacheTtl, concurrent look-ups of one credential are coalesced into
 * one intranet request, anonymous answers are not cached, and the cache stays
 * bounded however many credentials arrive. Counted with the intranet's
 * stats.meRequests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startIntranet, type Intranet } from '../../demo/intranet.js';
import { createLookupResolver } from '../../src/identity/lookup.js';
import { credentialOf } from '../../src/identity/index.js';
import { Browser } from '../helpers/client.js';
import { configFrom, makeClock, startStack, type Stack } from '../helpers/stack.js';
import { rawRequest } from '../proxy/support.js';

let stack: Stack | undefined;
let intranet: Intranet | undefined;
afterEach(async () => {
  await stack?.close();
  await intranet?.close();
  stack = undefined;
  intranet = undefined;
});

describe('identity cache', () => {
  it('should make no look-up at all while the cached identity is fresh, and one after cacheTtl', async () => {
    stack = await startStack();
    const b = new Browser(stack.url);
    await b.login('bob');
    expect((await b.get('/reports')).status).toBe(200);
    const warm = stack.intranet.stats.meRequests;
    for (let i = 0; i < 20; i++) expect((await b.get(i % 2 ? '/reports' : '/echo')).status).toBe(200);
    expect(stack.intranet.stats.meRequests).toBe(warm);

    stack.clock.advance(30_001); // cacheTtl is 30s in the test config
    expect((await b.get('/reports')).status).toBe(200);
    expect(stack.intranet.stats.meRequests).toBe(warm + 1);
  });

  it('should coalesce a cold burst of 100 concurrent requests with one credential into ONE look-up', async () => {
    stack = await startStack();
    const b = new Browser(stack.url);
    await b.login('bob');
    const before = stack.intranet.stats.meRequests;
    const cookie = b.cookieHeader()!;
    const all = await Promise.all(Array.from({ length: 100 }, () => rawRequest(stack!.url, { path: '/echo', headers: { cookie } })));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(stack.intranet.stats.meRequests - before).toBe(1);
  });

  it('should coalesce per credential: a burst from 5 logins makes 5 look-ups', async () => {
    stack = await startStack();
    const cookies: string[] = [];
    for (const u of ['bob', 'carol', 'dave', 'bob', 'carol']) {
      const b = new Browser(stack.url);
      await b.login(u);
      cookies.push(b.cookieHeader()!);
    }
    const before = stack.intranet.stats.meRequests;
    await Promise.all(Array.from({ length: 100 }, (_, i) => rawRequest(stack!.url, { path: '/echo', headers: { cookie: cookies[i % 5]! } })));
    expect(stack.intranet.stats.meRequests - before).toBe(5);
  });

  it('should not cache an anonymous answer: every request with an unknown session asks again', async () => {
    stack = await startStack();
    const before = stack.intranet.stats.meRequests;
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(stack.url, { path: '/echo', headers: { cookie: 'sid=not-a-session' } });
      expect(res.status).toBe(200);
    }
    expect(stack.intranet.stats.meRequests - before).toBe(3);
  });

  it('should forget a credential’s identity when the intranet sets or clears its session cookie', async () => {
    stack = await startStack();
    const b = new Browser(stack.url);
    await b.login('bob');
    await b.get('/reports');
    const warm = stack.intranet.stats.meRequests;
    // Logging out clears sid: the next request with the old value must be asked about again.
    const oldCookie = b.cookieHeader()!;
    await b.get('/logout');
    const res = await rawRequest(stack.url, { path: '/reports', headers: { cookie: oldCookie, accept: 'text/html' } });
    expect(stack.intranet.stats.meRequests).toBe(warm + 1);
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/^\/login/);
  });

  it('should serve 10,000 distinct credentials correctly through Gatehouse', async () => {
    stack = await startStack();
    // Logins straight at the intranet: 10,000 real sessions of five users.
    const users = ['alice', 'bob', 'carol', 'dave', 'admin'];
    const sids: [string, string][] = [];
    for (let i = 0; i < 10_000; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, async (_, j) => {
          const user = users[(i + j) % users.length]!;
          const r = await rawRequest(stack!.intranet.url, { method: 'POST', path: '/login', body: `username=${user}&password=${user}-pw&next=/`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
          const sid = /sid=([^;]+)/.exec(String(r.headers['set-cookie']))![1]!;
          return [user, sid] as [string, string];
        }),
      );
      sids.push(...batch);
    }
    const before = stack.intranet.stats.meRequests;
    for (let i = 0; i < sids.length; i += 100) {
      const answers = await Promise.all(
        sids.slice(i, i + 100).map(([user, sid]) =>
          rawRequest(stack!.url, { path: '/_gatehouse/whoami', headers: { cookie: `sid=${sid}` } }).then((r) => [user, JSON.parse(r.body.toString()).identity?.user] as const),
        ),
      );
      for (const [want, got] of answers) expect(got).toBe(want);
    }
    expect(stack.intranet.stats.meRequests - before).toBe(10_000);
  });
});

describe('identity cache bound (the look-up resolver over real sockets)', () => {
  it('should keep at most maxEntries identities among 10,000 distinct credentials, dropping the oldest first', async () => {
    intranet = await startIntranet({ port: 0, quiet: true });
    const clock = makeClock();
    const config = configFrom(intranet.url, '/tmp/unused-gatehouse-data');
    const resolver = createLookupResolver(config, clock.now, { maxEntries: 1_000 });
    try {
      const sids: string[] = [];
      for (let i = 0; i < 10_000; i += 200) {
        sids.push(
          ...(await Promise.all(
            Array.from({ length: 200 }, async () => {
              const r = await rawRequest(intranet!.url, { method: 'POST', path: '/login', body: 'username=bob&password=bob-pw&next=/', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
              return /sid=([^;]+)/.exec(String(r.headers['set-cookie']))![1]!;
            }),
          )),
        );
      }
      const fwd = { ip: '127.0.0.1', proto: 'http', host: 'gatehouse.test' };
      const creds = sids.map((sid) => credentialOf(`sid=${sid}`, undefined, 'sid')!);
      for (let i = 0; i < creds.length; i += 200) {
        const ids = await Promise.all(creds.slice(i, i + 200).map((c) => resolver.resolve(c, fwd)));
        expect(ids.every((id) => id?.user === 'bob')).toBe(true);
        expect(resolver.cacheSize()).toBeLessThanOrEqual(1_000);
      }
      expect(resolver.cacheSize()).toBe(1_000);
      const asked = intranet.stats.meRequests;
      // The newest is still cached; the oldest was dropped and is asked again.
      await resolver.resolve(creds[creds.length - 1]!, fwd);
      expect(intranet.stats.meRequests).toBe(asked);
      await resolver.resolve(creds[0]!, fwd);
      expect(intranet.stats.meRequests).toBe(asked + 1);
    } finally {
      await resolver.close();
    }
  });
});
