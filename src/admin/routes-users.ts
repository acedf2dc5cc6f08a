/** Console routes of the Users tab: the paged list, reset (after a confirmation page) and unlock. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { csrfOk, field, redirect } from '../flow/index.js';
import { sendError } from '../gate/respond.js';
import { renderTab, type ConsoleDeps } from './console.js';
import { isStoreStatus, resetUser, unlockUser, userStatus } from './users.js';
import type { Flash } from './views/common.js';
import { resetConfirmView, usersView, type UsersQuery } from './views/users.js';

const PAGE_SIZE = 50;
/** Deep pages cost an OFFSET scan; nobody pages this far by hand, and search is there. */
const MAX_PAGE = 10_000;
const MAX_NAME = 256;

type Req = FastifyRequest<{ Querystring: Record<string, string | undefined> }>;

function queryOf(req: Req): UsersQuery {
  const page = Number(req.query.page ?? 0);
  return {
    q: String(req.query.q ?? '').slice(0, MAX_NAME),
    status: isStoreStatus(req.query.status) ? req.query.status : '',
    page: Number.isInteger(page) && page > 0 ? Math.min(page, MAX_PAGE) : 0,
  };
}

export function registerUserRoutes(app: FastifyInstance, d: ConsoleDeps): void {
  const prefix = d.s.runtime.live.config.server.prefix;

  app.get(`${prefix}/admin/users`, async (req: Req, reply) => {
    const p = await d.guard(req, reply);
    if (!p) return reply;
    const q = queryOf(req);
    const now = d.s.now();
    const res = await d.s.store.listUsers({
      now,
      offset: q.page * PAGE_SIZE,
      limit: PAGE_SIZE,
      ...(q.q ? { search: q.q } : {}),
      ...(isStoreStatus(q.status) ? { status: q.status } : {}),
    });
    const policy = d.s.runtime.live.policy;
    const rows = res.users.map((u) => ({ user: u, status: userStatus(policy, u, now) }));
    const done = req.query.done;
    const flash: Flash | undefined =
      done === 'reset' && q.q ? { kind: 'ok', text: p.t('users.resetDone', { user: q.q }) }
        : done === 'unlocked' && q.q ? { kind: 'ok', text: p.t('users.unlockDone', { user: q.q }) }
          : undefined;
    return renderTab(d, reply, p, 'users', usersView(p.brand, p.t, { csrf: p.csrf, query: q, pageSize: PAGE_SIZE, total: res.total, rows }), 200, flash);
  });

  app.get(`${prefix}/admin/users/reset`, async (req: Req, reply) => {
    const p = await d.guard(req, reply);
    if (!p) return reply;
    const user = String(req.query.user ?? '');
    if (!user || user.length > MAX_NAME) return redirect(d.s, reply, `${prefix}/admin/users`);
    return renderTab(d, reply, p, 'users', resetConfirmView(p.brand, p.t, { csrf: p.csrf, user }));
  });

  for (const action of ['reset', 'unlock'] as const) {
    app.post(`${prefix}/admin/users/${action}`, async (req, reply) => {
      const p = await d.guard(req, reply);
      if (!p || !csrfOk(d.s, req, reply, p, field(req.body, 'csrf'))) return reply;
      const user = field(req.body, 'user') ?? '';
      if (!user || user.length > MAX_NAME) return sendError(d.s, req, reply, 'GH_ERR_BAD_PATH');
      if (action === 'reset') await resetUser(d.s, user, p.actor);
      else await unlockUser(d.s, user, p.actor);
      // Post/redirect/get: a refresh must not reset the user a second time.
      return redirect(d.s, reply, `${prefix}/admin/users?q=${encodeURIComponent(user)}&done=${action === 'reset' ? 'reset' : 'unlocked'}`);
    });
  }
}
