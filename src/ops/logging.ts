/**
 * Logging: JSON lines through pino, secrets redacted by pino itself before a
 * line is written, request ids, and the one access-log line per request.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { GatehouseConfig } from '../config/types.js';
import { outcomeOf } from './decision.js';

/**
 * Paths of log records that may hold a secret: redacted by pino before
 * anything is written. Nothing in Gatehouse logs these today; this is the net
 * under a future `log.info({ headers })` or `log.debug({ body })`.
 *
 * Every path is spelled out: a leading wildcard (`*.token`) makes pino walk
 * every record and cost ~15x more per line, which the access log (one line
 * per request) cannot afford. `err.code` (ECONNREFUSED, FST_ERR_…) is
 * deliberately kept: a TOTP code only ever arrives as the form field `code`.
 */
export const REDACT_PATHS = [
  // Credentials in headers, where a serializer or a careless log call puts them.
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-gatehouse-token"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers["set-cookie"]',
  'headers["x-gatehouse-token"]',
  'request.headers.cookie',
  'request.headers.authorization',
  'response.headers["set-cookie"]',
  'err.headers.cookie',
  'err.headers.authorization',
  // Node's clientError carries the raw bytes of the bad request: cookies, tokens, form bodies.
  'err.rawPacket',
  // Form posts: codes, recovery codes, CSRF tokens, an intranet password passing through.
  'body.code',
  'body.codes',
  'body.csrf',
  'body.password',
  'body.token',
  'form.code',
  'form.codes',
  'form.csrf',
  'form.password',
  'detail.code',
  'audit.detail.code',
  'audit.detail.codes',
  'audit.detail.token',
  // Values that are secrets by name, at the top of a record or one level down where they live.
  'code',
  'codes',
  'recoveryCodes',
  'csrf',
  'cookie',
  'cookies',
  'authorization',
  'password',
  'secret',
  'sealedSecret',
  'token',
  'tokens',
  'secrets',
  'state.sealedSecret',
  'user.sealedSecret',
  'config.secrets',
  'config.api.tokens',
  'api.tokens',
];

export const REDACTED = '[redacted]';

export function loggerOptions(level: GatehouseConfig['log']['level']): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/** The process logger: JSON lines on stdout (or `destination`, for tests) at `level`. */
export function createLogger(level: GatehouseConfig['log']['level'], destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

/** An incoming X-Request-Id we are willing to log as ours: short, no spaces or quotes. */
const SAFE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Fastify's genReqId: `<6 hex per process>-<counter>` (unique across replicas
 * without a random draw per request), or the X-Request-Id set by a trusted
 * proxy, so one id follows a request through nginx, Gatehouse and the logs.
 * From anyone else the header is ignored: a client must not choose the id
 * that an operator searches the logs by.
 */
export function requestIdGenerator(isTrustedProxy: (socketAddress: string | undefined) => boolean): (req: IncomingMessage) => string {
  const prefix = randomBytes(3).toString('hex') + '-';
  let n = 0;
  return (req) => {
    const incoming = req.headers['x-request-id'];
    if (typeof incoming === 'string' && SAFE_ID.test(incoming) && isTrustedProxy(req.socket?.remoteAddress)) return incoming;
    n = n === Number.MAX_SAFE_INTEGER ? 1 : n + 1;
    return prefix + n.toString(36);
  };
}

/**
 * The access-log line (onResponse): the fields operators expect. The query
 * string is left out on purpose: it is where intranets put tokens.
 */
export function accessLogHook(req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const status = reply.statusCode;
  const o = outcomeOf(req, status);
  const ctx = req.gate?.ctx;
  req.log.info(
    {
      method: req.method,
      path: ctx ? ctx.path : pathOf(req.url),
      status,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      user: ctx?.identity?.user,
      ip: ctx ? ctx.clientIp : req.socket.remoteAddress,
      decision: o.decision,
      rule: o.rule,
    },
    'access',
  );
  done();
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
