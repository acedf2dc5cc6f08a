/**
 * Issue 2 §3: what goes through Gatehouse arrives unchanged — methods,
 * statuses, headers (hop-by-hop aside), cookies, redirects, query strings and
 * bodies — and Gatehouse adds X-Forwarded-* and removes only its own cookies.
 * Requests here carry no intranet login (anonymous → forwarded), or bob's,
 * who is out of scope: both are forwarded without a second factor.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadBytes } from '../../demo/intranet.js';
import { Browser } from '../helpers/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { echo, headerNames, rawRequest, sha256, startGatehouseFor } from './support.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

describe('proxy fidelity: methods and statuses', () => {
  it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])('should forward %s with its method and body unchanged', async (method) => {
    const body = method === 'GET' ? undefined : `payload for ${method}`;
    const e = await echo(stack.url, { method, ...(body ? { body, headers: { 'content-type': 'text/plain' } } : {}) });
    expect(e.method).toBe(method);
    if (body) {
      expect(e.bodySha256).toBe(sha256(body));
      expect(Buffer.from(e.body!, 'base64').toString()).toBe(body);
    }
  });

  it.each(['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH'])(
    'should forward the WebDAV method %s (with its XML body) instead of answering 404',
    async (method) => {
      const xml = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>';
      const e = await echo(stack.url, { method, body: xml, headers: { 'content-type': 'application/xml', depth: '1' } });
      expect(e.method).toBe(method);
      expect(e.headers.depth).toBe('1');
      expect(e.bodySha256).toBe(sha256(xml));
    },
  );

  it('should answer HEAD with the upstream headers and no body', async () => {
    const res = await rawRequest(stack.url, { method: 'HEAD', path: '/download?size=12345' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('12345');
    expect(res.body.length).toBe(0);
  });

  it.each([200, 201, 202, 204, 301, 400, 401, 403, 404, 409, 410, 418, 429, 500, 501, 502, 503, 504])(
    'should pass status %i through unchanged',
    async (code) => {
      const before = stack.intranet.stats.requests;
      const res = await rawRequest(stack.url, { path: `/status/${code}`, headers: { accept: 'application/json' } });
      expect(res.status).toBe(code);
      if (code !== 204) expect(res.body.toString()).toBe(`${code}\n`);
      // Exactly one upstream request: an upstream 503 is the intranet's answer, not a reason to retry.
      expect(stack.intranet.stats.requests - before).toBe(1);
    },
  );

  it('should pass 304 Not Modified through for a conditional request', async () => {
    const first = await rawRequest(stack.url, { path: '/assets/style.css' });
    expect(first.status).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    const again = await rawRequest(stack.url, { path: '/assets/style.css', headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(etag);
    expect(again.body.length).toBe(0);
  });
});

describe('proxy fidelity: headers', () => {
  it('should forward the client’s own headers, duplicates and order of values included', async () => {
    const e = await echo(stack.url, {
      headers: ['X-Custom', 'one', 'X-List', 'a', 'X-List', 'b', 'User-Agent', 'test-agent/1.0', 'Accept-Language', 'fr-CH, fr;q=0.9'],
    });
    expect(e.headers['x-custom']).toBe('one');
    expect(e.headers['x-list']).toBe('a, b');
    expect(e.headers['user-agent']).toBe('test-agent/1.0');
    expect(e.headers['accept-language']).toBe('fr-CH, fr;q=0.9');
  });

  it('should not forward hop-by-hop headers', async () => {
    const e = await echo(stack.url, {
      headers: { 'keep-alive': 'timeout=5', 'proxy-authorization': 'Basic eDp5', te: 'gzip', 'proxy-connection': 'keep-alive', 'x-kept': '1' },
    });
    const names = headerNames(e);
    for (const h of ['keep-alive', 'proxy-authorization', 'proxy-connection']) expect(names).not.toContain(h);
    expect(e.headers.te === undefined || e.headers.te === 'trailers').toBe(true);
    expect(e.headers['x-kept']).toBe('1');
  });

  it('should forward an upload sent with Expect: 100-continue (as curl does for large files)', async () => {
    const body = randomBytes(2 * 1024 * 1024);
    const res = await rawRequest(stack.url, { method: 'PUT', path: '/upload', body, headers: { expect: '100-continue', 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ bytes: body.length, sha256: sha256(body) });
  });

  it('should forward a plain request carrying a stray Upgrade header', async () => {
    const e = await echo(stack.url, { headers: { upgrade: 'h2c', 'x-kept': '1' } });
    expect(e.headers.upgrade).toBeUndefined();
    expect(e.headers['x-kept']).toBe('1');
  });

  it('should drop headers the client names in Connection, but never the ones Gatehouse adds', async () => {
    const e = await echo(stack.url, {
      headers: {
        connection: 'keep-alive, x-foo, x-forwarded-for, x-forwarded-proto, x-forwarded-host',
        'x-foo': 'secret',
        'x-bar': 'kept',
      },
    });
    expect(e.headers['x-foo']).toBeUndefined();
    expect(e.headers['x-bar']).toBe('kept');
    expect(e.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(e.headers['x-forwarded-proto']).toBe('http');
    expect(e.headers['x-forwarded-host']).toBe('gatehouse.test');
  });

  it('should set X-Forwarded-For/Proto/Host from what Gatehouse saw, replacing what an untrusted client sent', async () => {
    const e = await echo(stack.url, {
      headers: {
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
        'x-real-ip': '10.0.0.2',
        forwarded: 'for=10.0.0.3',
        x_forwarded_for: '10.0.0.4',
      },
    });
    expect(e.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(e.headers['x-forwarded-proto']).toBe('http');
    expect(e.headers['x-forwarded-host']).toBe('gatehouse.test');
    expect(e.headers['x-real-ip']).toBe('127.0.0.1');
    expect(e.headers.forwarded).toBeUndefined();
    expect(headerNames(e)).not.toContain('x_forwarded_for');
    expect(JSON.stringify(e.rawHeaders)).not.toMatch(/10\.0\.0\.[1-4]/);
  });

  it('should pass the upstream’s response headers back (ETag, Cache-Control, custom ones)', async () => {
    const b = new Browser(stack.url);
    await b.login('bob');
    const res = await rawRequest(stack.url, { path: '/whoami-header', headers: { cookie: b.cookieHeader()! } });
    expect(res.status).toBe(200);
    expect(res.headers['x-user']).toBe('bob');
    expect(res.headers['x-groups']).toBe('staff');
    expect(res.headers['cache-control']).toBe('no-store');
    const asset = await rawRequest(stack.url, { path: '/assets/style.css' });
    expect(asset.headers['cache-control']).toBe('public, max-age=3600');
    expect(asset.headers['content-type']).toMatch(/^text\/css/);
  });

  it('should pass several Set-Cookie headers through as separate headers', async () => {
    const res = await rawRequest(stack.url, { path: '/set-cookie' });
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(['demo_a=1; Path=/', 'demo_b=2; Path=/; HttpOnly; SameSite=Lax']);
  });

  it('should never forward Gatehouse’s own gh_* cookies to the upstream', async () => {
    const e = await echo(stack.url, { headers: { cookie: 'gh_s=abc; theme=dark; gh_d=def; gh_k=1; gh_e=2; lang=en' } });
    expect(e.headers.cookie).toBe('theme=dark; lang=en');
    const only = await echo(stack.url, { headers: { cookie: 'gh_s=abc; gh_d=def' } });
    expect(only.headers.cookie).toBeUndefined();
  });
});

describe('proxy fidelity: the upstream’s hop-by-hop response headers', () => {
  it('should not pass on the intranet’s Connection, Keep-Alive and the headers its Connection names', async () => {
    // An upstream answer the demo intranet never gives.
    const upstream = http.createServer((_req, res) => {
      res.writeHead(200, { connection: 'close, x-hop', 'keep-alive': 'timeout=1', 'x-hop': 'secret', 'x-end-to-end': 'kept', 'content-type': 'text/plain' });
      res.end('ok');
    });
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    const gh = await startGatehouseFor(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    try {
      // A keep-alive client: two requests on one connection.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const sockets = new Set<unknown>();
      for (let i = 0; i < 2; i++) {
        const res = await new Promise<http.IncomingMessage>((ok, fail) => {
          const req = http.get(gh.url + '/anything', { agent }, ok);
          req.on('socket', (sock) => sockets.add(sock));
          req.on('error', fail);
        });
        res.resume();
        await new Promise((ok) => res.on('end', ok));
        expect(res.headers['x-end-to-end']).toBe('kept');
        expect(res.headers['x-hop']).toBeUndefined();
        expect(res.headers['keep-alive']).not.toBe('timeout=1');
        expect(res.headers.connection).not.toMatch(/close/);
      }
      // The upstream's "close" did not close the client's connection to Gatehouse.
      expect(sockets.size).toBe(1);
      agent.destroy();
    } finally {
      await gh.close();
      await new Promise((ok) => upstream.close(ok));
    }
  });
});

describe('proxy fidelity: redirects and query strings', () => {
  it.each([
    [302, 'https://elsewhere.example/landing?x=1'],
    [301, '/moved/here?y=2#frag'],
    [303, 'relative/path'],
    [307, 'http://gatehouse.test/other'],
    [308, '//cdn.example/asset.js'],
  ])('should pass a %i redirect through with Location %s untouched', async (status, to) => {
    const res = await rawRequest(stack.url, { path: `/redirect?to=${encodeURIComponent(to)}&status=${status}` });
    expect(res.status).toBe(status);
    expect(res.headers.location).toBe(to);
  });

  it.each([
    '/echo?a=1&a=2&b=%20+x&c',
    '/echo?',
    '/echo?q=%E2%9C%93&name=J%C3%BCrgen',
    "/echo?q='quoted'&x=(1)&y=*!~",
    '/echo?next=../../etc/passwd&back=/..',
    '/echo?bad=%zz&pct=%',
    '/echo?latin1=%E9t%E9',
    '/echo?x=a%2Fb%3Fc%23d',
    '/echo?;semi=1&&empty=&=novalue',
  ])('should forward the query of %s byte for byte', async (target) => {
    const e = await echo(stack.url, { path: target });
    expect(e.url).toBe(target);
  });

  it('should refuse raw (unencoded) UTF-8 in the request target with a 400, as Node upstreams do, and forward nothing', async () => {
    // Browsers always percent-encode; raw bytes >= 0x80 are not valid in an
    // HTTP/1.1 request target, and Node's parser refuses them before routing.
    const before = stack.intranet.stats.requests;
    const wire = '/echo?q=' + Buffer.from('✓ü', 'utf8').toString('latin1');
    const res = await rawRequest(stack.url, { path: wire });
    expect(res.status).toBe(400);
    expect(stack.intranet.stats.requests).toBe(before);
    // The same text percent-encoded goes through byte for byte.
    const encoded = '/echo?q=' + encodeURIComponent('✓ü');
    expect((await echo(stack.url, { path: encoded })).url).toBe(encoded);
  });
});

describe('proxy fidelity: bodies', () => {
  const payload = randomBytes(3 * 1024 * 1024 + 17);

  it('should stream a Content-Length upload byte for byte', async () => {
    const res = await rawRequest(stack.url, { method: 'POST', path: '/upload', body: payload, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ bytes: payload.length, sha256: sha256(payload) });
  });

  it('should stream a chunked upload byte for byte', async () => {
    const res = await rawRequest(stack.url, { method: 'PUT', path: '/upload', body: payload, chunkSize: 65_537, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ bytes: payload.length, sha256: sha256(payload) });
  });

  it('should forward request bodies of any content type untouched (JSON, form, text)', async () => {
    for (const [type, body] of [
      ['application/json', '{"b":2,  "a":1}'],
      ['application/x-www-form-urlencoded', 'b=2&a=1&a=%20'],
      ['text/plain; charset=iso-8859-1', 'caf\xe9'],
      ['multipart/form-data; boundary=X', '--X\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n--X--\r\n'],
    ] as const) {
      const bytes = Buffer.from(body, 'latin1');
      const e = await echo(stack.url, { method: 'POST', body: bytes, headers: { 'content-type': type } });
      expect(e.headers['content-type']).toBe(type);
      expect(e.bodySha256).toBe(sha256(bytes));
    }
  });

  it.each([false, true])('should stream a download byte for byte (chunked: %s)', async (chunked) => {
    const size = 5 * 1024 * 1024 + 3;
    const res = await rawRequest(stack.url, { path: `/download?size=${size}${chunked ? '&chunked=1' : ''}` });
    expect(res.status).toBe(200);
    if (chunked) {
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.headers['content-length']).toBeUndefined();
    } else {
      expect(res.headers['content-length']).toBe(String(size));
    }
    expect(res.body.length).toBe(size);
    expect(sha256(res.body)).toBe(sha256(downloadBytes(0, size)));
  });
});

describe('proxy: Gatehouse’s prefix', () => {
  it.each(['/_gatehouse/x', '/_gatehouse/', '/_gatehouse', '/%5Fgatehouse/x', '//_gatehouse//x', '/_gatehouse/x/../y'])(
    'should answer %s itself (404) and forward nothing to the upstream',
    async (path) => {
      const before = stack.intranet.stats.requests;
      for (const method of ['GET', 'POST', 'DELETE']) {
        const res = await rawRequest(stack.url, { method, path, headers: { accept: 'application/json' }, ...(method === 'POST' ? { body: 'x=1' } : {}) });
        expect(res.status).toBe(404);
        expect(JSON.parse(res.body.toString()).error).toBe('GH_ERR_NOT_FOUND');
      }
      expect(stack.intranet.stats.requests).toBe(before);
    },
  );

  it('should answer an unknown page under the prefix with an HTML 404 for a browser', async () => {
    const before = stack.intranet.stats.requests;
    const res = await rawRequest(stack.url, { path: '/_gatehouse/nope', headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(stack.intranet.stats.requests).toBe(before);
  });

  it('should answer /healthz and /whoami itself', async () => {
    const before = stack.intranet.stats.requests;
    const h = await rawRequest(stack.url, { path: '/_gatehouse/healthz' });
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body.toString())).toEqual({ status: 'ok' });
    const w = await rawRequest(stack.url, { path: '/_gatehouse/whoami' });
    expect(w.status).toBe(200);
    expect(JSON.parse(w.body.toString()).identity).toBeNull();
    expect(stack.intranet.stats.requests).toBe(before);
  });
});
