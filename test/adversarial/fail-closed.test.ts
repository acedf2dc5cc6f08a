/**
 * Fail closed (issue 6, DESIGN §6): when the store, the identity look-up or
 * the policy file fails, a request that would need a second factor is never
 * forwarded; the user gets a clear 503 (or, for the policy file, the running
 * policy simply stays), and service resumes by itself.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { reloadFromFile } from '../../src/server/reload.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { enrol, verify } from '../helpers/flows.js';
import { baseConfig, configFrom, deepMerge, startStack, type Stack } from '../helpers/stack.js';
import { csrfOf, enrolledUser, expectClearError, expectNotForwarded, expectSentTo, forwarded, loggedIn, postCode, PREFIX, raw, SECRET, setCookieValue, switchableStore, totp } from './support.js';

let stack: Stack | undefined;
let extra: (() => Promise<void>)[] = [];
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  for (const f of extra) await f();
  extra = [];
});

async function expect503(s: Stack, target: string, cookie: string, what: 'GH_ERR_STORE_UNAVAILABLE' | 'GH_ERR_IDENTITY_UNAVAILABLE'): Promise<void> {
  const before = forwarded(s);
  const page = await raw(s.url, { target, headers: [['Accept', 'text/html'], ['Cookie', cookie]] });
  expectClearError(page, 503);
  expect(page.headers['retry-after']).toBeTruthy();
  const api = await raw(s.url, { target, headers: [['Accept', 'application/json'], ['Cookie', cookie]] });
  expectClearError(api, 503);
  expect(JSON.parse(api.body).error).toBe(what);
  expectNotForwarded(s, before, page);
  expect(api.body).not.toContain(SECRET);
}

describe('store unavailable', () => {
  async function withSwitchableStore(): Promise<{ s: Stack; store: Store & { down: boolean } }> {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-adv-store-'));
    const inner = await createStore(configFrom('http://127.0.0.1:1', dir));
    extra.push(async () => {
      await inner.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const store = switchableStore(inner);
    stack = await startStack({ store });
    return { s: stack, store };
  }

  it('should refuse to forward a verified user’s request while the store is down, and heal when it is back', async () => {
    const { s, store } = await withSwitchableStore();
    const b = await loggedIn(s, 'alice');
    await enrol(s, b); // verified in this login: /secret is served…
    expect((await raw(s.url, { target: '/secret', headers: [['Cookie', b.cookieHeader()!]] })).body).toContain(SECRET);
    store.down = true; // …until the store cannot say the user was not reset meanwhile
    await expect503(s, '/secret', b.cookieHeader()!, 'GH_ERR_STORE_UNAVAILABLE');
    store.down = false;
    expect((await raw(s.url, { target: '/secret', headers: [['Cookie', b.cookieHeader()!]] })).body).toContain(SECRET);
  });

  it('should refuse a remembered device while the store is down', async () => {
    const { s, store } = await withSwitchableStore();
    const first = await loggedIn(s, 'alice');
    const { key } = await enrol(s, first);
    const v = await verify(s, first, key, { remember: true });
    expect(v.res.status).toBe(303);
    const next = await loggedIn(s, 'alice');
    const cookie = `${next.cookieHeader()!}; gh_d=${first.jar.get('gh_d')!}`;
    store.down = true;
    await expect503(s, '/secret', cookie, 'GH_ERR_STORE_UNAVAILABLE');
  });

  it('should refuse to accept a code (and issue a session) while the store is down', async () => {
    const { s, store } = await withSwitchableStore();
    const { b, key } = await enrolledUser(s, 'alice');
    const csrf = await csrfOf(b);
    store.down = true;
    const res = await postCode(b, csrf, totp(s, key));
    expectClearError({ status: res.status, headers: res.headers, body: res.body }, 503);
    expect(setCookieValue(res.setCookies, 'gh_s')).toBeUndefined();
  });

  it('should refuse a WebSocket upgrade while the store is down', async () => {
    const { s, store } = await withSwitchableStore();
    const b = await loggedIn(s, 'alice');
    await enrol(s, b);
    store.down = true;
    const ws = s.intranet.stats.wsConnections;
    const res = await raw(s.url, { target: '/ws', headers: [['Cookie', b.cookieHeader()!], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Version', '13']] });
    expect(res.status).toBe(503);
    expect(s.intranet.stats.wsConnections).toBe(ws);
  });

  it('should refuse to forward when every store call rejects from the start', async () => {
    const failing = new Proxy({ kind: 'sqlite' } as unknown as Store, {
      get: (t, prop) =>
        prop === 'kind' ? 'sqlite'
        : prop === 'close' ? async () => undefined
        : prop === 'then' ? undefined
        : prop === 'getUserNow' ? () => { throw new Error('store unavailable (test)'); }
        : () => Promise.reject(new Error('store unavailable (test)')),
    });
    stack = await startStack({ store: failing });
    const b = await loggedIn(stack, 'alice');
    await expect503(stack, '/secret', b.cookieHeader()!, 'GH_ERR_STORE_UNAVAILABLE');
    // Out-of-scope users and bypass paths need no store and keep working.
    const bob = await loggedIn(stack, 'bob');
    expect((await raw(stack.url, { target: '/reports', headers: [['Cookie', bob.cookieHeader()!]] })).status).toBe(200);
  });
});

/**
 * A tiny intranet whose identity look-up misbehaves on demand; its /secret
 * serves anyone with sid=alice, like a real intranet that trusts its own login.
 */
interface Quirky {
  url: string;
  mode: 'ok' | 'slow' | 'error' | 'reset' | 'stall-body' | 'oversize' | 'garbage';
  body: string;
  secretHits: number;
  close(): Promise<void>;
}

async function quirkyIntranet(): Promise<Quirky> {
  const q: Quirky = { url: '', mode: 'ok', body: '', secretHits: 0, close: async () => undefined };
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const alice = /(^|;\s*)sid=alice(;|$)/.test(req.headers.cookie ?? '');
    if (req.url === '/api/me') {
      if (!alice) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"not logged in"}');
      switch (q.mode) {
        case 'ok':
          return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"username":"alice","groups":["finance"]}');
        case 'slow': {
          const t = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"username":"alice"}'), 3000);
          timers.add(t);
          return void res.on('close', () => clearTimeout(t));
        }
        case 'error':
          return void res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal error</h1>');
        case 'reset':
          return void req.socket.destroy();
        case 'stall-body':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          return void res.write('{"username":"al');
        case 'oversize':
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(`{"pad":"${'x'.repeat(2 * 1024 * 1024)}","username":"alice"}`);
        case 'garbage':
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(q.body);
      }
    }
    if (req.url === '/secret' && alice) {
      q.secretHits++;
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(`<p>${SECRET}</p>`);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  q.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  q.close = () =>
    new Promise<void>((r) => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => r());
    });
  return q;
}

describe('identity look-up failing', () => {
  async function withQuirky(): Promise<{ s: Stack; q: Quirky }> {
    const q = await quirkyIntranet();
    extra.push(() => q.close());
    stack = await startStack({ upstreamUrl: q.url, config: { identity: { lookup: { timeout: '300ms' } } } });
    return { s: stack, q };
  }

  async function expectLookup503(s: Stack, q: Quirky): Promise<void> {
    const hits = q.secretHits;
    for (const accept of ['text/html', 'application/json']) {
      const res = await raw(s.url, { target: '/secret', headers: [['Accept', accept], ['Cookie', 'sid=alice']] });
      expectClearError(res, 503);
      expect(res.body).not.toContain(SECRET);
      if (accept === 'application/json') expect(JSON.parse(res.body).error).toBe('GH_ERR_IDENTITY_UNAVAILABLE');
    }
    expect(q.secretHits).toBe(hits);
  }

  it.each<[Quirky['mode'], string]>([
    ['slow', 'timing out'],
    ['error', 'answering 500'],
    ['reset', 'dropping the connection'],
    ['stall-body', 'stalling mid-answer'],
    ['oversize', 'answering 2 MB'],
  ])('should refuse to forward an in-scope user’s request with the look-up %s (%s), and heal', async (mode) => {
    const { s, q } = await withQuirky();
    q.mode = mode;
    await expectLookup503(s, q);
    // Gatehouse's own pages say the same, rather than treating her as logged out.
    const page = await raw(s.url, { target: `${PREFIX}/challenge`, headers: [['Accept', 'text/html'], ['Cookie', 'sid=alice']] });
    expectClearError(page, 503);
    q.mode = 'ok';
    const healed = await raw(s.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', 'sid=alice']] });
    expectSentTo(healed, 'enrol');
    expect(q.secretHits).toBe(0);
  });

  it.each<[string, string]>([
    ['an HTML page', '<html><body>Service temporarily unavailable</body></html>'],
    ['truncated JSON', '{"username":"alice"'],
    ['a user name that is a list', '{"username":["bob","alice"]}'],
    ['a user name that is an object', '{"username":{"name":"admin"}}'],
    ['a user name with a comma', '{"username":"bob,admin"}'],
    ['a user name with CRLF', '{"username":"bob\\r\\nadmin"}'],
    ['a bare JSON string', '"admin"'],
    ['null', 'null'],
    ['an empty body', ''],
  ])('should refuse to make up a user from a garbage answer (%s)', async (_label, body) => {
    const { s, q } = await withQuirky();
    q.mode = 'garbage';
    q.body = body;
    // Either 503, or "anonymous" as designed (a 200 without a user is how intranets show a login form):
    // never a user read out of the garbage.
    const who = await raw(s.url, { target: `${PREFIX}/whoami`, headers: [['Accept', 'application/json'], ['Cookie', 'sid=alice']] });
    if (who.status === 503) {
      expectClearError(who, 503);
    } else {
      expect(who.status).toBe(200);
      expect((JSON.parse(who.body) as { identity: unknown }).identity).toBeNull();
    }
  });
});

describe('policy file deleted or broken under a running process', () => {
  it('should refuse the reload and keep the running policy', async () => {
    stack = await startStack();
    const s = stack;
    const file = s.config.file;
    const raw0 = deepMerge(baseConfig(s.intranet.url, s.dataDir), {});
    writeFileSync(file, YAML.stringify(raw0));
    expect((await reloadFromFile(s.gh.services, 'test')).ok).toBe(true);
    const { b } = await enrolledUser(s, 'alice');
    const version = s.gh.runtime.live.version;

    const stillGuarded = async () => {
      const before = forwarded(s);
      const res = await raw(s.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', b.cookieHeader()!]] });
      expectSentTo(res, 'challenge');
      expectNotForwarded(s, before, res);
    };

    unlinkSync(file);
    const gone = await reloadFromFile(s.gh.services, 'SIGHUP');
    expect(gone.ok).toBe(false);
    expect(gone.messages.join('\n')).toMatch(/gatehouse\.yaml/);
    expect(s.gh.runtime.live.version).toBe(version);
    await stillGuarded();

    // Broken replacements, one of which would turn the second factor off: none is half-applied.
    const offButBroken = YAML.stringify(deepMerge(raw0, { twoFactor: { enabledFor: { everyone: false, users: [], groups: [] }, lockout: { maxFailures: 'many' } } }));
    for (const text of ['', 'server: [unclosed', 'twoFactor:\n  enabledFor: { users: [] }\n', offButBroken]) {
      writeFileSync(file, text);
      const r = await reloadFromFile(s.gh.services, 'SIGHUP');
      expect(r.ok, JSON.stringify(text.slice(0, 40))).toBe(false);
      expect(r.messages.length).toBeGreaterThan(0);
      expect(s.gh.runtime.live.version).toBe(version);
      await stillGuarded();
    }

    // Control: a valid file is applied, so the refusals above were the file's fault.
    writeFileSync(file, YAML.stringify(deepMerge(raw0, { twoFactor: { enabledFor: { users: ['admin'], groups: [] } } })));
    expect((await reloadFromFile(s.gh.services, 'SIGHUP')).ok).toBe(true);
    const now = await raw(s.url, { target: '/secret', headers: [['Accept', 'text/html'], ['Cookie', b.cookieHeader()!]] });
    expect(now.body).toContain(SECRET);
  });
});
