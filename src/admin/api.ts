/**
 * The JSON API under {prefix}/api/ for people-admin scripts (offboarding).
 * Bearer tokens from api.tokens; every call, refused or not, is audited as
 * `api_call` with the token's name (never the token). Browser cookies play
 * no part here, so there is no CSRF to defend against.
 *
 *   GET  /api/users?status=&search=&offset=&limit=   one page of users
 *   GET  /api/users/:user                            one user (404 if never seen)
 *   POST /api/users/:user/reset                      secret, codes, devices, sessions gone
 *   POST /api/users/:user/unlock
 *   GET  /api/policy                                 { version, source, policy }, ETag
 *   PUT  /api/policy                                 keys to change (JSON up to 2 MB); If-Match (or "version") required:
 *                                                    409 stale, 422 invalid (problems[]), 428 no version
 *   POST /api/reload                                 422 with the messages when refused
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatProblem, POLICY_KEYS } from '../config/index.js';
import { contextOf } from '../gate/evaluate.js';
import type { Services } from '../gate/services.js';
import { reloadFromFile } from '../server/reload.js';
import { mergePatch, toRawPolicy, type RawPolicy } from './policy-raw.js';
import { auditBy, savePolicy, type Actor } from './save.js';
import type { PolicySink } from './sink.js';
import { tokenName } from './tokens.js';
import { isStoreStatus, resetUser, unlockUser, userJson } from './users.js';

type Req = FastifyRequest<{ Params: { user?: string }; Querystring: Record<string, string | undefined> }>;

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/**
 * A whole policy in one PUT: 10,000 trusted networks are ~250 KB of JSON,
 * far over the 64 KB that forms get. Only a valid token reaches the body
 * (the token check runs in onRequest, before anything is read).
 */
const POLICY_BODY_LIMIT = 2 * 1024 * 1024;

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).headers({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

function fail(reply: FastifyReply, status: number, error: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return send(reply, status, { error, message, ...extra });
}

/** `"abc"`, `W/"abc"` or a bare value: the version a client based its change on. */
function ifMatch(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

export async function registerApi(app: FastifyInstance, s: Services, sink: PolicySink): Promise<void> {
  const prefix = s.runtime.live.config.server.prefix;
  const base = `${prefix}/api`;
  // Request → who called; a WeakMap instead of a request decoration keeps this context's state to itself.
  const callers = new WeakMap<FastifyRequest, Actor | null>();
  const actorOf = (req: FastifyRequest) => callers.get(req)!;

  // Fastify's own JSON parser is in force in this context (only the proxy's removes parsers).
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.statusCode === 415) return fail(reply, 415, 'GH_ERR_INVALID_CONFIG', 'send the body as application/json');
    if (err.statusCode === 413) return fail(reply, 413, 'GH_ERR_TOO_LARGE', 'the body is too large');
    if (err.statusCode && err.statusCode < 500) return fail(reply, 400, 'GH_ERR_INVALID_CONFIG', `the body is not valid JSON: ${err.message}`);
    req.log.error({ err: { message: err.message, stack: err.stack } }, 'API error');
    return fail(reply, 500, 'GH_ERR_INTERNAL', 'unexpected error; see the log');
  });

  app.addHook('onRequest', async (req, reply) => {
    const c = contextOf(s, { method: req.method, url: req.url, headers: req.headers, socketAddress: req.socket.remoteAddress });
    const ip = 'bad' in c ? (req.socket.remoteAddress ?? '') : c.clientIp;
    const name = tokenName(s.runtime.live.config.api.tokens, req.headers.authorization);
    callers.set(req, name === null ? null : { name: `api:${name}`, ip, userAgent: String(req.headers['user-agent'] ?? '') });
    if (name === null) {
      req.log.warn({ ip, path: req.url.split('?')[0] }, 'API call without a valid token');
      reply.header('www-authenticate', 'Bearer realm="gatehouse"');
      return fail(reply, 401, 'GH_ERR_UNAUTHORIZED_API', 'a valid bearer token is required (Authorization: Bearer …)');
    }
  });

  app.addHook('onResponse', async (req: Req, reply) => {
    const actor = actorOf(req);
    const c = actor ?? { name: 'api:(no valid token)', ip: req.socket.remoteAddress ?? '', userAgent: String(req.headers['user-agent'] ?? '') };
    await auditBy(s, c, {
      type: 'api_call',
      user: typeof req.params?.user === 'string' ? req.params.user : '',
      detail: { method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0], status: reply.statusCode },
    });
  });

  app.get(`${base}/users`, async (req: Req, reply) => {
    const { status, search } = req.query;
    if (status !== undefined && status !== '' && !isStoreStatus(status)) {
      return fail(reply, 400, 'GH_ERR_INVALID_CONFIG', 'status must be one of enrolled, skipped, not_enrolled, locked');
    }
    const offset = Math.max(0, Math.floor(Number(req.query.offset ?? 0)) || 0);
    const limit = Math.min(MAX_LIMIT, Math.max(1, Math.floor(Number(req.query.limit ?? DEFAULT_LIMIT)) || DEFAULT_LIMIT));
    const now = s.now();
    const res = await s.store.listUsers({ now, offset, limit, ...(isStoreStatus(status) ? { status } : {}), ...(search ? { search } : {}) });
    const policy = s.runtime.live.policy;
    return send(reply, 200, { total: res.total, offset, limit, users: res.users.map((u) => userJson(policy, u, now)) });
  });

  app.get(`${base}/users/:user`, async (req: Req, reply) => {
    const u = await s.store.getUser(req.params.user!);
    if (!u) return fail(reply, 404, 'GH_ERR_NOT_FOUND', `no such user: ${req.params.user}`);
    return send(reply, 200, userJson(s.runtime.live.policy, u, s.now()));
  });

  app.post(`${base}/users/:user/reset`, async (req: Req, reply) => {
    const generation = await resetUser(s, req.params.user!, actorOf(req)!);
    // Resetting someone never seen is not an error for an offboarding script: there is nothing left to end.
    return send(reply, 200, { user: req.params.user, reset: true, known: generation > 0, generation });
  });

  app.post(`${base}/users/:user/unlock`, async (req: Req, reply) => {
    await unlockUser(s, req.params.user!, actorOf(req)!);
    return send(reply, 200, { user: req.params.user, unlocked: true });
  });

  app.get(`${base}/policy`, async (_req, reply) => {
    const version = await sink.version();
    reply.header('etag', `"${version}"`);
    return send(reply, 200, { version, source: sink.description, policy: toRawPolicy(s.runtime.live.config) });
  });

  app.put(`${base}/policy`, { bodyLimit: POLICY_BODY_LIMIT }, async (req, reply) => {
    const body = req.body as Record<string, unknown> | null | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return fail(reply, 400, 'GH_ERR_INVALID_CONFIG', `send a JSON object with any of ${POLICY_KEYS.join(', ')}`);
    }
    const { version: bodyVersion, ...patch } = body;
    const unknown = Object.keys(patch).filter((k) => !(POLICY_KEYS as readonly string[]).includes(k));
    if (unknown.length) {
      return fail(reply, 422, 'GH_ERR_INVALID_CONFIG', 'not a policy key', {
        problems: unknown.map((k) => ({ path: k, message: `is not a policy key; expected one of ${POLICY_KEYS.join(', ')}` })),
      });
    }
    const version = ifMatch(req.headers['if-match']) ?? (typeof bodyVersion === 'string' ? bodyVersion : undefined);
    if (!version) {
      // Without it a script could silently overwrite an admin's save made a second earlier.
      return fail(reply, 428, 'GH_ERR_CONFLICT', 'send the version from GET /api/policy in If-Match (or as "version" in the body)');
    }
    const outcome = await savePolicy(s, sink, (cur) => mergePatch(cur, patch) as RawPolicy, version, actorOf(req)!);
    switch (outcome.kind) {
      case 'saved':
        reply.header('etag', `"${outcome.version}"`);
        return send(reply, 200, { version: outcome.version, changes: outcome.changes.map((c) => ({ path: c.path, old: c.old ?? null, new: c.new ?? null })), applied: outcome.applied.messages });
      case 'unchanged':
        reply.header('etag', `"${outcome.version}"`);
        return send(reply, 200, { version: outcome.version, changes: [] });
      case 'stale':
        return fail(reply, 409, 'GH_ERR_CONFLICT', outcome.why === 'changed'
          ? 'the policy changed since you loaded it; GET it again and reapply your change'
          : 'the config file has changes not applied yet (edited by hand?); reload first', { version: outcome.version });
      case 'invalid':
        return fail(reply, 422, 'GH_ERR_INVALID_CONFIG', 'nothing was written; the running policy stays in force', {
          problems: outcome.problems.map((p) => ({ path: p.path, message: p.message })),
        });
      case 'broken':
        return fail(reply, 409, 'GH_ERR_CONFLICT', 'the stored configuration is invalid; fix it first', { problems: outcome.problems.map(formatProblem) });
      case 'failed':
        return fail(reply, 500, 'GH_ERR_INTERNAL', outcome.message);
    }
  });

  app.post(`${base}/reload`, async (req, reply) => {
    const r = await reloadFromFile(s, actorOf(req)!.name);
    if (!r.ok) return fail(reply, 422, 'GH_ERR_INVALID_CONFIG', 'reload refused; the running policy stays in force', { ok: false, messages: r.messages, version: r.version });
    return send(reply, 200, { ok: true, messages: r.messages, version: r.version, restartNeeded: r.restartNeeded });
  });

  // Inside this context so unknown API paths are still authenticated and audited, and answered in JSON.
  app.all(`${base}`, async (_req, reply) => fail(reply, 404, 'GH_ERR_NOT_FOUND', 'no such API endpoint'));
  app.all(`${base}/*`, async (_req, reply) => fail(reply, 404, 'GH_ERR_NOT_FOUND', 'no such API endpoint'));
}
