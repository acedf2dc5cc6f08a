/**
 * The demo intranet: the "existing, unchangeable" application Gatehouse sits in
 * front of, in `npm run demo`, integration tests and benchmarks. Plain node:http
 * so that, as a benchmark upstream, it costs next to nothing per request.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  basicIdentity,
  checkPassword,
  clearedSessionCookie,
  readCookie,
  safeNext,
  SESSION_COOKIE,
  sessionCookie,
  SessionStore,
  type Identity,
} from './intranet/accounts.js';
import { ASSETS, FAVICON } from './intranet/assets.js';
import {
  HTML,
  isRead,
  JSON_TYPE,
  methodNotAllowed,
  readForm,
  redirect,
  send,
  sendJson,
  serveAsset,
  type Ctx,
  type Handler,
} from './intranet/http.js';
import {
  errorPage,
  financePage,
  homePage,
  loginPage,
  page2k,
  reportsPage,
  secretPage,
} from './intranet/pages.js';
import { parseTarget, queryParam } from './intranet/paths.js';
import { DEFAULT_DOWNLOAD_SIZE, handleEcho, handleUpload, streamDownload } from './intranet/streams.js';
import { EchoSockets } from './intranet/ws.js';

export { ACCOUNTS, safeNext } from './intranet/accounts.js';
export { downloadBytes, PATTERN_PERIOD, ECHO_BODY_LIMIT } from './intranet/streams.js';

export interface IntranetOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** No per-request log line on stdout. */
  quiet?: boolean;
  /**
   * Misbehaviours of real intranets that Gatehouse must survive (DESIGN §4), off
   * by default.
   */
  quirks?: {
    /** Like PHP apps that never regenerate the id: logging in keeps the sid the browser already has, and logout leaves the cookie. */
    reuseSessionId?: boolean;
    /** Anonymous requests to pages and /api/me get `200` with the login form instead of 302/401. */
    anonymousOk?: boolean;
  };
}

export interface IntranetStats {
  /** Requests to /api/me, answered or not: tests assert Gatehouse's identity cache by it. */
  meRequests: number;
  /** Every HTTP request (WebSocket upgrades excluded). */
  requests: number;
  /** Successful logins. */
  logins: number;
  /** Bytes /download has handed to sockets: shows that it waits for slow readers. */
  downloadBytesWritten: number;
  /** WebSockets open right now. */
  wsOpen: number;
  /** WebSockets accepted since start. */
  wsConnections: number;
}

export interface Intranet {
  url: string;
  port: number;
  close(): Promise<void>;
  stats: IntranetStats;
}


const PAGE2K = page2k();
const MAX_SLOW_MS = 10 * 60_000;

export async function startIntranet(opts: IntranetOptions = {}): Promise<Intranet> {
  const host = opts.host ?? '127.0.0.1';
  const quirks = opts.quirks ?? {};
  const stats: IntranetStats = {
    meRequests: 0,
    requests: 0,
    logins: 0,
    downloadBytesWritten: 0,
    wsOpen: 0,
    wsConnections: 0,
  };
  const sessions = new SessionStore();
  const sockets = new EchoSockets(stats);
  const timers = new Set<NodeJS.Timeout>();

  function identify(req: IncomingMessage): Identity | undefined {
    return sessions.lookup(readCookie(req.headers.cookie, SESSION_COOKIE)) ?? basicIdentity(req.headers.authorization);
  }

  function anonymousLoginForm(ctx: Ctx): void {
    send(ctx.res, 200, HTML, loginPage({ next: safeNext(ctx.req.url) }), { 'Cache-Control': 'no-store' });
  }

  /** A page for logged-in users; anonymous browsers go to the login form and come back. */
  function page(render: (u: Identity) => string): Handler {
    return (ctx) => {
      const { req, res } = ctx;
      if (!isRead(req)) return methodNotAllowed(res, 'GET, HEAD');
      const user = identify(req);
      if (!user) {
        if (quirks.anonymousOk) return anonymousLoginForm(ctx);
        return redirect(res, `/login?next=${encodeURIComponent(req.url ?? '/')}`, { 'Cache-Control': 'no-store' });
      }
      send(res, 200, HTML, render(user), { 'Cache-Control': 'private, no-store' });
    };
  }

  function login(ctx: Ctx): void {
    const { req, res } = ctx;
    if (isRead(req)) {
      const user = identify(req);
      const view = { next: safeNext(queryParam(ctx.query, 'next')), ...(user ? { loggedInAs: user.username } : {}) };
      return send(res, 200, HTML, loginPage(view), { 'Cache-Control': 'no-store' });
    }
    if (req.method !== 'POST') return methodNotAllowed(res, 'GET, HEAD, POST');
    readForm(req, res, (form) => {
      const username = (form.get('username') ?? '').trim();
      const next = safeNext(form.get('next'));
      const acc = checkPassword(username, form.get('password') ?? '');
      if (!acc) {
        // 200 with the form again, as most intranets do (a 401 would need WWW-Authenticate).
        return send(res, 200, HTML, loginPage({ next, username, error: 'Unknown user name or wrong password.' }), {
          'Cache-Control': 'no-store',
        });
      }
      const old = readCookie(req.headers.cookie, SESSION_COOKIE);
      stats.logins++;
      if (quirks.reuseSessionId && old && /^[A-Za-z0-9_-]{1,128}$/.test(old)) {
        // No Set-Cookie at all: the credential Gatehouse sees does not change across logins.
        sessions.create(acc.username, old);
        return redirect(res, next, { 'Cache-Control': 'no-store' });
      }
      sessions.destroy(old);
      const sid = sessions.create(acc.username);
      redirect(res, next, { 'Set-Cookie': sessionCookie(sid), 'Cache-Control': 'no-store' });
    });
  }

  function logout(ctx: Ctx): void {
    const { req, res } = ctx;
    if (!isRead(req) && req.method !== 'POST') return methodNotAllowed(res, 'GET, HEAD, POST');
    sessions.destroy(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (quirks.reuseSessionId) return redirect(res, '/login', { 'Cache-Control': 'no-store' });
    redirect(res, '/login', { 'Set-Cookie': clearedSessionCookie(), 'Cache-Control': 'no-store' });
  }

  function me(ctx: Ctx): void {
    const { req, res } = ctx;
    stats.meRequests++;
    if (!isRead(req)) return methodNotAllowed(res, 'GET, HEAD');
    const user = identify(req);
    if (user) return sendJson(res, 200, { username: user.username, groups: user.groups, roles: user.roles });
    if (quirks.anonymousOk) return anonymousLoginForm(ctx);
    sendJson(res, 401, { error: 'not logged in' });
  }

  function whoamiHeader(ctx: Ctx): void {
    const { req, res } = ctx;
    if (!isRead(req)) return methodNotAllowed(res, 'GET, HEAD');
    const user = identify(req);
    if (!user) return send(res, 401, 'text/plain; charset=utf-8', 'not logged in\n', { 'Cache-Control': 'no-store' });
    send(res, 200, 'text/plain; charset=utf-8', `${user.username}\n`, {
      'X-User': user.username,
      'X-Groups': user.groups.join(','),
      'X-Roles': user.roles.join(','),
      'Cache-Control': 'no-store',
    });
  }

  function download(ctx: Ctx): void {
    const { req, res } = ctx;
    if (!isRead(req)) return methodNotAllowed(res, 'GET, HEAD');
    const raw = queryParam(ctx.query, 'size');
    if (raw !== undefined && !/^\d{1,15}$/.test(raw)) return sendJson(res, 400, { error: 'size must be a byte count' });
    const size = raw === undefined ? DEFAULT_DOWNLOAD_SIZE : Number(raw);
    streamDownload(req, res, size, queryParam(ctx.query, 'chunked') === '1', stats);
  }

  function upload(ctx: Ctx): void {
    if (ctx.req.method !== 'POST' && ctx.req.method !== 'PUT') return methodNotAllowed(ctx.res, 'POST, PUT');
    handleUpload(ctx.req, ctx.res, sendJson);
  }

  function status(ctx: Ctx): void {
    const code = Number(ctx.path.slice('/status/'.length));
    if (!/^\/status\/\d{3}$/.test(ctx.path) || code < 200 || code > 599) {
      return sendJson(ctx.res, 400, { error: 'status must be 200-599' });
    }
    if (code === 204 || code === 205 || code === 304) {
      ctx.res.writeHead(code);
      ctx.res.end();
      return;
    }
    send(ctx.res, code, 'text/plain; charset=utf-8', `${code}\n`);
  }

  function redirectTo(ctx: Ctx): void {
    // Deliberately an open redirect: tests check that Gatehouse passes Location through untouched.
    const to = queryParam(ctx.query, 'to');
    const code = Number(queryParam(ctx.query, 'status') ?? 302);
    if (!to) return sendJson(ctx.res, 400, { error: 'to is required' });
    if (![301, 302, 303, 307, 308].includes(code)) return sendJson(ctx.res, 400, { error: 'status must be 301, 302, 303, 307 or 308' });
    try {
      redirect(ctx.res, to, undefined, code);
    } catch {
      sendJson(ctx.res, 400, { error: 'to is not a valid header value' });
    }
  }

  function setCookie(ctx: Ctx): void {
    send(ctx.res, 200, JSON_TYPE, '{"set":["demo_a","demo_b"]}', {
      'Set-Cookie': ['demo_a=1; Path=/', 'demo_b=2; Path=/; HttpOnly; SameSite=Lax'],
      'Cache-Control': 'no-store',
    });
  }

  function slow(ctx: Ctx): void {
    const { res } = ctx;
    const raw = queryParam(ctx.query, 'ms') ?? '1000';
    if (!/^\d{1,9}$/.test(raw)) return sendJson(res, 400, { error: 'ms must be a number of milliseconds' });
    const ms = Math.min(Number(raw), MAX_SLOW_MS);
    const t = setTimeout(() => {
      timers.delete(t);
      sendJson(res, 200, { waitedMs: ms });
    }, ms);
    timers.add(t);
    res.on('close', () => {
      clearTimeout(t);
      timers.delete(t);
    });
  }

  function page2kHandler(ctx: Ctx): void {
    if (!isRead(ctx.req)) return methodNotAllowed(ctx.res, 'GET, HEAD');
    ctx.res.writeHead(200, { 'Content-Type': HTML, 'Content-Length': PAGE2K.length });
    ctx.res.end(PAGE2K);
  }

  const routes = new Map<string, Handler>([
    ['/', page(homePage)],
    ['/reports', page(reportsPage)],
    ['/finance', page(financePage)],
    ['/secret', page(secretPage)],
    ['/login', login],
    ['/logout', logout],
    ['/api/me', me],
    ['/whoami-header', whoamiHeader],
    ['/download', download],
    ['/upload', upload],
    ['/echo', (ctx) => handleEcho(ctx.req, ctx.res, sendJson)],
    ['/redirect', redirectTo],
    ['/set-cookie', setCookie],
    ['/slow', slow],
    ['/page2k', page2kHandler],
    ['/favicon.ico', (ctx) => serveAsset(ctx, FAVICON)],
  ]);

  function route(ctx: Ctx): void {
    const h = routes.get(ctx.path);
    if (h) return h(ctx);
    if (ctx.path.startsWith('/assets/')) {
      const a = ASSETS.get(ctx.path);
      if (a) return serveAsset(ctx, a);
    } else if (ctx.path.startsWith('/status/')) {
      return status(ctx);
    }
    send(ctx.res, 404, HTML, errorPage(404, 'There is no page at this address.'));
  }

  const server = createServer(
    // Timeouts are the client's business here: slow uploads, /slow and idle keep-alive
    // connections from a proxy's pool must not be cut by the upstream first.
    { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 },
    (req, res) => {
      stats.requests++;
      if (!opts.quiet) {
        const started = process.hrtime.bigint();
        res.on('finish', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          process.stdout.write(`intranet ${req.method} ${req.url} ${res.statusCode} ${ms.toFixed(1)}ms\n`);
        });
      }
      const target = parseTarget(req.url ?? '/');
      if (!target) return send(res, 400, HTML, errorPage(400, 'Bad request path.'));
      try {
        route({ req, res, path: target.path, query: target.query });
      } catch (err) {
        if (!opts.quiet) process.stderr.write(`intranet error: ${String(err)}\n`);
        if (!res.headersSent) send(res, 500, HTML, errorPage(500, 'Internal error.'));
        else res.destroy();
      }
    },
  );

  server.on('upgrade', (req, socket, head) => {
    const target = parseTarget(req.url ?? '/');
    if (target?.path === '/ws') return sockets.handleUpgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    stats,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        sockets.close();
        sessions.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
