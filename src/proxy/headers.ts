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
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'forwarded',
];

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

export function rewriteForwardHeaders(headers: IncomingHttpHeaders, ctx: ForwardContext): IncomingHttpHeaders {
  const xff = headers['x-forwarded-for'];
  for (const name of CLIENT_FORBIDDEN) delete headers[name];
  for (const name of Object.keys(headers)) {
    // Underscore spellings of the same headers (x_forwarded_for…) are read as
    // the real thing by some servers.
    if (name.includes('_') && CLIENT_FORBIDDEN.includes(name.replace(/_/g, '-'))) delete headers[name];
    if (name.includes('_') && name.replace(/_/g, '-') === 'x-forwarded-for') delete headers[name];
  }
  // A trusted proxy's chain is kept and extended; anyone else's is replaced,
  // so the upstream sees the same client address Gatehouse judged.
  const chain = ctx.fromTrustedProxy && xff ? (Array.isArray(xff) ? xff.join(', ') : xff) + ', ' + ctx.peerIp : ctx.clientIp;
  headers['x-forwarded-for'] = chain;
  headers['x-real-ip'] = ctx.clientIp;
  headers['x-forwarded-proto'] = ctx.proto;
  headers['x-forwarded-host'] = ctx.host;
  if (ctx.cookie === undefined) delete headers.cookie;
  else headers.cookie = ctx.cookie;
  return headers;
}
