import { createHash, randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { downloadBytes, safeNext, startIntranet, type Intranet } from '../../demo/intranet.js';

let intranet: Intranet;

beforeAll(async () => {
  intranet = await startIntranet({ port: 0, quiet: true });
});
afterAll(async () => {
  await intranet.close();
});

function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(intranet.url + path, { redirect: 'manual', ...init });
}

async function login(user: string, password = `${user}-pw`, extra: { next?: string; cookie?: string } = {}): Promise<Response> {
  const body = new URLSearchParams({ username: user, password, ...(extra.next ? { next: extra.next } : {}) });
  return get('/login', {
    method: 'POST',
    body,
    headers: extra.cookie ? { cookie: extra.cookie } : {},
  });
}

/** `sid=...` from a login response, for a Cookie header. */
function sidOf(res: Response): string {
  const c = res.headers.getSetCookie().find((v) => v.startsWith('sid='));
  expect(c).toBeDefined();
  return c!.split(';')[0]!;
}

async function loggedIn(user: string): Promise<string> {
  return sidOf(await login(user));
}

/** Raw node:http request, for what fetch hides (chunked bodies, raw headers, backpressure). */
function raw(
  opts: { method?: string; path: string; headers?: Record<string, string | string[]> | string[] },
  body?: (req: ReturnType<typeof request>) => void,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(intranet.url + opts.path, { method: opts.method ?? 'GET', headers: opts.headers as never }, resolve);
    req.on('error', reject);
    if (body) body(req);
    else req.end();
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('login and sessions', () => {
  it('should show a login page with the demo accounts', async () => {
    const res = await get('/login?next=%2Freports');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Example Intranet');
    expect(html).toContain('alice-pw');
    expect(html).toContain('name="next" value="/reports"');
  });

  it('should send anonymous browsers to the login page with a return path', async () => {
    for (const path of ['/', '/reports', '/finance', '/secret?x=1&y=2']) {
      const res = await get(path);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('should refuse a wrong password without setting a cookie', async () => {
    const res = await login('alice', 'nope');
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.text()).toContain('wrong password');
    expect((await login('mallory', 'mallory-pw')).headers.getSetCookie()).toEqual([]);
  });

  it('should set a fresh HttpOnly SameSite=Lax sid on every login and redirect to next', async () => {
    const a = await login('alice', 'alice-pw', { next: '/finance?q=1' });
    expect(a.status).toBe(302);
    expect(a.headers.get('location')).toBe('/finance?q=1');
    const cookie = a.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{32}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');

    const b = await login('alice');
    expect(b.headers.get('location')).toBe('/');
    expect(sidOf(b)).not.toBe(sidOf(a));
    // Both are independent sessions (two browsers).
    expect((await get('/api/me', { headers: { cookie: sidOf(a) } })).status).toBe(200);
    expect((await get('/api/me', { headers: { cookie: sidOf(b) } })).status).toBe(200);

    // Logging in again from the same browser replaces its session.
    const c = await login('bob', 'bob-pw', { cookie: sidOf(a) });
    expect(sidOf(c)).not.toBe(sidOf(a));
    expect((await get('/api/me', { headers: { cookie: sidOf(a) } })).status).toBe(401);
    expect(await (await get('/api/me', { headers: { cookie: sidOf(c) } })).json()).toMatchObject({ username: 'bob' });
  });

  it('should only return to same-origin paths', async () => {
    for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/logout', '']) {
      const res = await login('bob', 'bob-pw', { next });
      expect(res.headers.get('location'), next).toBe('/');
    }
    expect(safeNext('/a b?c=ü#f')).toBe('/a%20b?c=%C3%BC#f');
    expect(safeNext('/ok\r\nX: y')).toBe('/');
  });

  it('should clear the session and cookie on logout', async () => {
    const sid = await loggedIn('carol');
    const res = await get('/logout', { headers: { cookie: sid } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login');
    const cleared = res.headers.getSetCookie()[0]!;
    expect(cleared).toMatch(/^sid=; /);
    expect(cleared).toContain('Max-Age=0');
    expect((await get('/api/me', { headers: { cookie: sid } })).status).toBe(401);
    expect((await get('/', { headers: { cookie: sid } })).status).toBe(302);
  });
});

describe('identity endpoints', () => {
  it('should answer /api/me with the user, groups and roles, and count every request', async () => {
    const sid = await loggedIn('alice');
    const before = intranet.stats.meRequests;
    const res = await get('/api/me', { headers: { cookie: `theme=dark; ${sid}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ username: 'alice', groups: ['finance', 'staff'], roles: ['approver'] });
    const anon = await get('/api/me');
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ error: 'not logged in' });
    expect(intranet.stats.meRequests).toBe(before + 2);
  });

  it('should accept HTTP Basic credentials as an alternative', async () => {
    const auth = 'Basic ' + Buffer.from('dave:dave-pw').toString('base64');
    expect(await (await get('/api/me', { headers: { authorization: auth } })).json()).toMatchObject({ username: 'dave' });
    const bad = 'Basic ' + Buffer.from('dave:x').toString('base64');
    expect((await get('/api/me', { headers: { authorization: bad } })).status).toBe(401);
  });

  it('should name the user in an X-User header and in the home page text', async () => {
    const sid = await loggedIn('alice');
    const h = await get('/whoami-header', { headers: { cookie: sid } });
    expect(h.headers.get('x-user')).toBe('alice');
    expect(h.headers.get('x-groups')).toBe('finance,staff');
    expect((await get('/whoami-header')).headers.get('x-user')).toBeNull();
    const home = await (await get('/', { headers: { cookie: sid } })).text();
    expect(home).toMatch(/Logged in as (\w+)/);
    expect(/Logged in as (\w+)/.exec(home)![1]).toBe('alice');
    expect(home).toContain('href="/logout"');
  });

  it('should serve identical bytes for the same page and user', async () => {
    const s1 = await loggedIn('alice');
    const s2 = await loggedIn('alice');
    for (const path of ['/', '/reports', '/finance', '/secret']) {
      const a = Buffer.from(await (await get(path, { headers: { cookie: s1 } })).arrayBuffer());
      const b = Buffer.from(await (await get(path, { headers: { cookie: s2 } })).arrayBuffer());
      expect(a.equals(b), path).toBe(true);
    }
  });
});

describe('static and utility endpoints', () => {
  it('should serve assets to everyone with ETags', async () => {
    for (const [path, type] of [
      ['/assets/style.css', 'text/css'],
      ['/assets/app.js', 'text/javascript'],
      ['/assets/logo.svg', 'image/svg+xml'],
      ['/favicon.ico', 'image/x-icon'],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      const etag = res.headers.get('etag')!;
      expect((await get(path, { headers: { 'if-none-match': etag } })).status).toBe(304);
    }
    expect((await get('/assets/nope.css')).status).toBe(404);
  });

  it('should serve a 2 KB benchmark page', async () => {
    const res = await get('/page2k');
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(2048);
  });

  it('should answer /status/NNN, /redirect, /set-cookie and /slow', async () => {
    const teapot = await get('/status/418');
    expect(teapot.status).toBe(418);
    expect(await teapot.text()).toBe('418\n');
    const empty = await get('/status/204');
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    expect((await get('/status/99')).status).toBe(400);

    const r = await get('/redirect?to=https%3A%2F%2Fexample.com%2Fx%3Fy%3D1');
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('https://example.com/x?y=1');
    expect((await get('/redirect?to=%2Fa&status=307')).status).toBe(307);
    expect((await get('/redirect?to=%0d%0aX:%201')).status).toBe(400);

    const c = await get('/set-cookie');
    expect(c.headers.getSetCookie()).toEqual(['demo_a=1; Path=/', 'demo_b=2; Path=/; HttpOnly; SameSite=Lax']);

    const t0 = Date.now();
    const s = await get('/slow?ms=120');
    expect(await s.json()).toEqual({ waitedMs: 120 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('should route decoded paths like a lenient upstream, so path tricks reach the page', async () => {
    const sid = await loggedIn('alice');
    for (const trick of ['/assets/..%2Fsecret', '/assets/..;/secret', '//secret', '/assets/%2e%2e/secret', '/assets\\..\\secret']) {
      const res = await raw({ path: trick, headers: { cookie: sid } });
      expect(res.statusCode, trick).toBe(200);
      expect((await readAll(res)).toString()).toContain('S3CR3T-LASAGNE-42');
    }
    expect((await get('/nope')).status).toBe(404);
  });
});

describe('streaming', () => {
  it('should download exactly size bytes of the deterministic pattern', async () => {
    const size = 3_000_017;
    const a = await get(`/download?size=${size}`);
    expect(a.headers.get('content-length')).toBe(String(size));
    const bodyA = Buffer.from(await a.arrayBuffer());
    expect(bodyA.length).toBe(size);
    expect(bodyA.equals(downloadBytes(0, size))).toBe(true);
    const bodyB = Buffer.from(await (await get(`/download?size=${size}`)).arrayBuffer());
    expect(bodyB.equals(bodyA)).toBe(true);
    // No period shorter than the whole: chunks at different offsets differ.
    expect(bodyA.subarray(0, 4096).equals(bodyA.subarray(262_144, 262_144 + 4096))).toBe(false);

    const chunked = await raw({ path: '/download?size=1000&chunked=1' });
    expect(chunked.headers['content-length']).toBeUndefined();
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    expect((await readAll(chunked)).equals(downloadBytes(0, 1000))).toBe(true);

    expect((await get('/download?size=0')).headers.get('content-length')).toBe('0');
    expect((await get('/download?size=-1')).status).toBe(400);
  });

  it('should default to 1 GiB and write only as fast as the client reads', async () => {
    const before = intranet.stats.downloadBytesWritten;
    const rss = process.memoryUsage().rss;
    const res = await raw({ path: '/download' });
    expect(res.headers['content-length']).toBe(String(1024 ** 3));
    res.pause();
    await new Promise((r) => setTimeout(r, 400));
    // Without backpressure the server would have queued the whole GiB by now.
    expect(intranet.stats.downloadBytesWritten - before).toBeLessThan(32 * 1024 * 1024);
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * 1024 * 1024);
    res.destroy();
  });

  it('should stream a large download with a stable hash', async () => {
    const size = 64 * 1024 * 1024 + 5;
    const hash = async (): Promise<string> => {
      const res = await raw({ path: `/download?size=${size}` });
      const h = createHash('sha256');
      let n = 0;
      for await (const c of res) {
        h.update(c as Buffer);
        n += (c as Buffer).length;
      }
      expect(n).toBe(size);
      return h.digest('hex');
    };
    const expected = createHash('sha256').update(downloadBytes(0, size)).digest('hex');
    expect(await hash()).toBe(expected);
  });

  it('should hash uploads with Content-Length and chunked bodies', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 3);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const withLength = await get('/upload', { method: 'POST', body: data });
    expect(await withLength.json()).toEqual({ bytes: data.length, sha256 });

    const chunked = await raw({ method: 'PUT', path: '/upload' }, (req) => {
      for (let off = 0; off < data.length; off += 100_000) req.write(data.subarray(off, off + 100_000));
      req.end();
    });
    expect(chunked.statusCode).toBe(200);
    expect(JSON.parse((await readAll(chunked)).toString())).toEqual({ bytes: data.length, sha256 });
    expect((await get('/upload')).status).toBe(405);
  });

  it('should echo method, raw url, headers and body', async () => {
    const body = Buffer.from('hello=world&x=%20');
    const res = await raw(
      {
        method: 'PATCH',
        path: '/echo?b=2&a=%2F&a=1&empty=',
        // Array form (like rawHeaders) keeps duplicates and case; Node then adds no Host itself.
        headers: [
          'Host', new URL(intranet.url).host,
          'X-Dup', 'one',
          'X-Dup', 'two',
          'Content-Type', 'application/x-www-form-urlencoded',
          'Content-Length', String(body.length),
        ],
      },
      (req) => req.end(body),
    );
    const echo = JSON.parse((await readAll(res)).toString());
    expect(echo.method).toBe('PATCH');
    expect(echo.url).toBe('/echo?b=2&a=%2F&a=1&empty=');
    expect(echo.headers['x-dup']).toBe('one, two');
    expect(echo.rawHeaders).toEqual(expect.arrayContaining([['X-Dup', 'one'], ['X-Dup', 'two']]));
    expect(Buffer.from(echo.body, 'base64').equals(body)).toBe(true);
    expect(echo.bodyBytes).toBe(body.length);

    const big = randomBytes(1024 * 1024);
    const bigEcho = await (await get('/echo', { method: 'POST', body: big })).json();
    expect(bigEcho.body).toBeNull();
    expect(bigEcho.bodyBytes).toBe(big.length);
    expect(bigEcho.bodySha256).toBe(createHash('sha256').update(big).digest('hex'));
  });
});

describe('websocket echo', () => {
  function open(path = '/ws'): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(intranet.url.replace('http', 'ws') + path);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }
  function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
    return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
  }

  it('should echo text and binary frames and close with 4001 on request', async () => {
    const ws = await open();
    expect(intranet.stats.wsOpen).toBe(1);
    let m = next(ws);
    ws.send('hello');
    expect(await m).toEqual({ data: Buffer.from('hello'), isBinary: false });
    const bin = randomBytes(70_000);
    m = next(ws);
    ws.send(bin);
    const got = await m;
    expect(got.isBinary).toBe(true);
    expect(got.data.equals(bin)).toBe(true);

    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    ws.send('close:4001:bye');
    expect(await closed).toEqual([4001, 'bye']);
    await expect.poll(() => intranet.stats.wsOpen).toBe(0);
    expect(intranet.stats.wsConnections).toBeGreaterThanOrEqual(1);
  });

  it('should refuse upgrades elsewhere', async () => {
    await expect(open('/nope')).rejects.toThrow(/404/);
  });
});

describe('quirks of real intranets', () => {
  it('should keep the same sid across logout and login when asked to', async () => {
    const q = await startIntranet({ quiet: true, quirks: { reuseSessionId: true } });
    try {
      const cookie = 'sid=phpsession123';
      const res = await fetch(q.url + '/login', {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie },
        body: new URLSearchParams({ username: 'alice', password: 'alice-pw' }),
      });
      expect(res.status).toBe(302);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect((await fetch(q.url + '/api/me', { headers: { cookie } })).status).toBe(200);
      const out = await fetch(q.url + '/logout', { redirect: 'manual', headers: { cookie } });
      expect(out.headers.getSetCookie()).toEqual([]);
      expect((await fetch(q.url + '/api/me', { headers: { cookie } })).status).toBe(401);
    } finally {
      await q.close();
    }
  });

  it('should answer anonymous users with 200 and the login form when asked to', async () => {
    const q = await startIntranet({ quiet: true, quirks: { anonymousOk: true } });
    try {
      for (const path of ['/api/me', '/secret']) {
        const res = await fetch(q.url + path, { redirect: 'manual' });
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('name="password"');
      }
    } finally {
      await q.close();
    }
  });
});
