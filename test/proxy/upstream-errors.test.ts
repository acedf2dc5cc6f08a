/**
 * Issue 2 §3: when the intranet is down or too slow the user gets a clear
 * 502 / 504 — a page for browsers, JSON for everything else — never a crash
 * or a hang, and Gatehouse keeps serving once the intranet is back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { rawRequest, startGatehouseFor } from './support.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

describe('upstream down', () => {
  it('should answer 502 with an HTML page for a browser and JSON otherwise', async () => {
    stack = await startStack();
    await stack.intranet.close();

    const page = await rawRequest(stack.url, { path: '/reports', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(502);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body.toString()).toContain('Test Intranet is not answering right now');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");

    const api = await rawRequest(stack.url, { path: '/api/things', headers: { accept: 'application/json' } });
    expect(api.status).toBe(502);
    expect(api.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(api.body.toString()).error).toBe('GH_ERR_UPSTREAM');

    const post = await rawRequest(stack.url, { method: 'POST', path: '/upload', body: Buffer.alloc(100_000, 1) });
    expect(post.status).toBe(502);

    // Still alive.
    expect((await rawRequest(stack.url, { path: '/_gatehouse/healthz' })).status).toBe(200);
  });
});

describe('upstream too slow', () => {
  it('should answer 504 when the intranet does not answer within upstream.timeout, HTML or JSON', async () => {
    stack = await startStack({ config: { upstream: { timeout: '300ms' } } });
    const page = await rawRequest(stack.url, { path: '/slow?ms=5000', headers: { accept: 'text/html' } });
    expect(page.status).toBe(504);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body.toString()).toContain('took too long to answer');

    const api = await rawRequest(stack.url, { path: '/slow?ms=5000', headers: { accept: 'application/json' } });
    expect(api.status).toBe(504);
    expect(JSON.parse(api.body.toString()).error).toBe('GH_ERR_UPSTREAM_TIMEOUT');

    // A fast request right after is served normally.
    const ok = await rawRequest(stack.url, { path: '/slow?ms=1' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString())).toEqual({ waitedMs: 1 });
  });
});

describe('broken connections', () => {
  it('should survive an intranet that drops the connection mid-body, and keep serving', async () => {
    const upstream = http.createServer((req, res) => {
      if (req.url === '/ok') return void res.end('fine');
      res.writeHead(200, { 'content-length': String(1024 * 1024) });
      res.write(Buffer.alloc(64 * 1024, 1), () => res.destroy());
    });
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    const gh = await startGatehouseFor(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    try {
      // The client sees a truncated answer (an error, or fewer bytes than announced), never a hang.
      const got = await rawRequest(gh.url, { path: '/broken' }).then(
        (r) => r.body.length,
        () => -1,
      );
      expect(got).toBeLessThan(1024 * 1024);
      const ok = await rawRequest(gh.url, { path: '/ok' });
      expect(ok.status).toBe(200);
      expect(ok.body.toString()).toBe('fine');
    } finally {
      await gh.close();
      upstream.closeAllConnections();
      await new Promise((ok) => upstream.close(ok));
    }
  });

  it('should survive a client that goes away in the middle of a large download', async () => {
    stack = await startStack();
    await new Promise<void>((ok, fail) => {
      const req = http.get(stack.url + '/download?size=1073741824', { agent: false }, (res) => {
        let seen = 0;
        res.on('data', (c: Buffer) => {
          seen += c.length;
          if (seen > 4 * 1024 * 1024) {
            req.destroy();
            ok();
          }
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : fail(err)));
    });
    const after = await rawRequest(stack.url, { path: '/download?size=1000' });
    expect(after.status).toBe(200);
    expect(after.body.length).toBe(1000);
    // Gatehouse stopped pulling: far less than the gigabyte was produced by the intranet.
    expect(stack.intranet.stats.downloadBytesWritten).toBeLessThan(512 * 1024 * 1024);
  });
});
