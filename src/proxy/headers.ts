/**
 * Header hygiene for requests going to the intranet.
 *
 * reply-from has already removed the hop-by-hop headers and any named in the
 * client's Connection header (RFC 7230 §6.1) before this runs, so a client
 * cannot strip what is added here.
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers some proxies and frameworks read as "the real URL" or "the real
 * client". A client must never choose them: oauth2-proxy's critical advisory
 * on X-Forwarded-Uri is the cautionary tale. Stripped from every request.
 */
const CLIENT_FORBIDDEN = [
  'x-forwarded-uri',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-forwarded-prefix',
  'x-forwarded-path',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-host',
  'x-http-host-override',
  'x-original-host',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'forwarded',
];

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) that reply-from leaves in place for a
 * plain HTTP request. They describe the client's connection to us, not ours
 * to the intranet, and undici refuses to send `keep-alive`, `upgrade` and
 * `expect` at all: left in, a request carrying one (curl sends
 * `Expect: 100-continue` with every large upload) failed with a 502 instead
 * of being forwarded. Node has already answered `100 Continue` itself.
 * Not for WebSocket upgrades, which need `upgrade` (websocket.ts has its own list).
 */
const HOP_BY_HOP = ['keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'trailer', 'upgrade', 'expect', 'http2-settings', 'transfer-encoding'];

/** Everything a client may not send on to the intranet: the list above, hop-by-hop headers, and the two rebuilt below. */
const DROP = new Set<string>([...CLIENT_FORBIDDEN, ...HOP_BY_HOP, 'te', 'x-forwarded-for', 'cookie']);
/** Underscore spellings (x_forwarded_for) are read as the real thing by some servers. */
const DROP_FOLDED = new Set<string>([...CLIENT_FORBIDDEN, 'x-forwarded-for']);

function isFoldedForbidden(name: string): boolean {
  return name.includes('_') && DROP_FOLDED.has(name.replace(/_/g, '-'));
}

/**
 * The same hygiene for the intranet's answer: its `Connection`, `Keep-Alive`
 * and the headers its `Connection` names describe the intranet's connection
 * to Gatehouse. Passed on, an upstream `Connection: close` closed every
 * client connection after one response, and the upstream's keep-alive
 * timeout was announced as ours. Node sets the client side's own.
 */
export function stripResponseHopByHop<T extends Record<string, unknown>>(headers: T): T {
  const connection = headers.connection;
  if (connection === undefined && headers['keep-alive'] === undefined && headers['proxy-connection'] === undefined) return headers;
  // What every Node upstream sends on every keep-alive answer: one copy
  // without the two headers, no lower-casing or splitting (bench finding 3).
  if (
    (connection === undefined || connection === 'keep-alive' || connection === 'close') &&
    headers['proxy-connection'] === undefined &&
    headers.upgrade === undefined &&
    headers.trailer === undefined &&
    headers['transfer-encoding'] === undefined
  ) {
    const out: Record<string, unknown> = {};
    for (const name in headers) if (name !== 'connection' && name !== 'keep-alive') out[name] = headers[name];
    return out as T;
  }
  const out: Record<string, unknown> = { ...headers };
  if (typeof connection === 'string') {
    for (const token of connection.toLowerCase().split(',')) {
      const name = token.trim();
      // Never let an upstream's Connection header remove what HTTP needs end to end.
      if (name && name !== 'set-cookie' && name !== 'content-length' && name !== 'content-type') delete out[name];
    }
  }
  for (const name of ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'trailer', 'transfer-encoding']) delete out[name];
  return out as T;
}

export interface ForwardContext {
  clientIp: string;
  /** Socket peer address, as it will be appended to X-Forwarded-For. */
  peerIp: string;
  fromTrustedProxy: boolean;
  proto: string;
  host: string;
  /** Cookie header with Gatehouse's cookies removed (undefined: none left). */
  cookie: string | undefined;
}

/**
 * The headers Gatehouse sets itself on the way to the intranet. A trusted
 * proxy's X-Forwarded-For chain is kept and extended; anyone else's is
 * replaced, so the upstream sees the same client address Gatehouse judged.
 * `xff` is the client's header as received.
 */
function setForwarded(out: IncomingHttpHeaders, xff: string | string[] | undefined, ctx: ForwardContext): void {
  out['x-forwarded-for'] = ctx.fromTrustedProxy && xff ? (Array.isArray(xff) ? xff.join(', ') : xff) + ', ' + ctx.peerIp : ctx.clientIp;
  out['x-real-ip'] = ctx.clientIp;
  out['x-forwarded-proto'] = ctx.proto;
  out['x-forwarded-host'] = ctx.host;
  // No delete on the new object of forwardHeaders (it never holds a cookie): a delete makes it a dictionary.
  if (ctx.cookie !== undefined) out.cookie = ctx.cookie;
  else if (out.cookie !== undefined) delete out.cookie;
}

/**
 * The same rewrite in place, for WebSocket upgrades (websocket.ts), which
 * keep `upgrade` and `connection` and strip their own hop-by-hop list.
 */
export function rewriteForwardHeaders(headers: IncomingHttpHeaders, ctx: ForwardContext): IncomingHttpHeaders {
  const xff = headers['x-forwarded-for'];
  for (const name of CLIENT_FORBIDDEN) delete headers[name];
  for (const name of Object.keys(headers)) if (isFoldedForbidden(name)) delete headers[name];
  setForwarded(headers, xff, ctx);
  return headers;
}

/**
 * The request headers for the intranet, in one pass that builds a new
 * object: the forbidden and hop-by-hop headers dropped and Gatehouse's own
 * set, without the deletes that turn the object into a slow dictionary for
 * everything that reads it afterwards (bench finding 2).
 */
export function forwardHeaders(headers: IncomingHttpHeaders, ctx: ForwardContext): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (DROP.has(name) || isFoldedForbidden(name)) continue;
    out[name] = headers[name];
  }
  // `TE: trailers` is the one value allowed end to end (and gRPC-style upstreams need it).
  if (headers.te === 'trailers') out.te = 'trailers';
  setForwarded(out, headers['x-forwarded-for'], ctx);
  return out;
}
