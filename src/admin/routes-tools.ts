/** Console routes of the read-only tabs (Rollout, Audit, Policy tester) and the Reload button. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfOk, field, redirect } from '../flow/index.js';
import { canonicalIp, normalisePath } from '../net/index.js';
import { explain } from '../policy/index.js';
import { reloadFromFile } from '../server/reload.js';
import type { AuditType } from '../store/types.js';
import { renderTab, type ConsoleDeps } from './console.js';
import type { AdminPage } from './guard.js';
import { userStatus } from './users.js';
import { TAB_PATHS, type TabId } from './views/frame.js';
import { AUDIT_TYPES, auditView, rolloutView, testerView, type TesterInput } from './views/tools.js';
import { statusText } from './views/users.js';

type Req = FastifyRequest<{ Querystring: Record<string, string | undefined> }>;

const AUDIT_PAGE = 100;
const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);

export function registerToolRoutes(app: FastifyInstance, d: ConsoleDeps): void {
  const prefix = d.s.runtime.live.config.server.prefix;

  app.get(`${prefix}/admin/rollout`, async (req: Req, reply) => {
    const p = await d.guard(req, reply);
    if (!p) return reply;
    const rollout = await d.rollout.get(req.query.fresh === '1');
    const tf = d.s.runtime.live.config.twoFactor;
    return renderTab(d, reply, p, 'rollout', rolloutView(p.brand, p.t, { rollout, enforce: tf.enforce, graceMs: tf.skip.gracePeriodMs }));
  });

  app.get(`${prefix}/admin/audit`, async (req: Req, reply) => {
    const p = await d.guard(req, reply);
    if (!p) return reply;
    const user = String(req.query.user ?? '').trim().slice(0, 256);
    const type = (AUDIT_TYPES as readonly string[]).includes(req.query.type ?? '') ? (req.query.type as AuditType) : undefined;
    const before = Number(req.query.before);
    const events = await d.s.store.listAudit({
      limit: AUDIT_PAGE,
      ...(user ? { user } : {}),
      ...(type ? { type } : {}),
      ...(Number.isFinite(before) && before > 0 ? { before } : {}),
    });
    const oldest = events[events.length - 1];
    const older = new URLSearchParams({ ...(user ? { user } : {}), ...(type ? { type } : {}), before: String(oldest?.at ?? 0) });
    return renderTab(d, reply, p, 'audit', auditView(p.brand, p.t, {
      user,
      type: type ?? '',
      events,
      olderHref: events.length === AUDIT_PAGE ? `${prefix}/admin/audit?${older.toString()}` : null,
    }));
  });

  const blankTester: TesterInput = { user: '', groups: '', roles: '', ip: '', path: '/', method: 'GET' };

  app.get(`${prefix}/admin/tester`, async (req, reply) => {
    const p = await d.guard(req, reply);
    if (!p) return reply;
    return renderTab(d, reply, p, 'tester', testerView(p.brand, p.t, { csrf: p.csrf, input: { ...blankTester, ip: p.ctx.clientIp } }));
  });

  // A POST with the CSRF token like every other console form, though it changes nothing.
  app.post(`${prefix}/admin/tester`, async (req, reply) => {
    const p = await d.guard(req, reply);
    if (!p || !csrfOk(d.s, req, reply, p, field(req.body, 'csrf'))) return reply;
    const f = (name: keyof TesterInput) => (field(req.body, name) ?? '').trim().slice(0, 2048);
    const input: TesterInput = { user: f('user'), groups: f('groups'), roles: f('roles'), ip: f('ip'), path: f('path') || '/', method: (f('method') || 'GET').toUpperCase() };
    return runTester(d, reply, p, input);
  });

  app.post(`${prefix}/admin/reload`, async (req, reply) => {
    const p = await d.guard(req, reply);
    if (!p || !csrfOk(d.s, req, reply, p, field(req.body, 'csrf'))) return reply;
    // The outcome is kept by reloadFromFile and shown on every console page.
    await reloadFromFile(d.s, `console:${p.identity.user}`);
    const back = field(req.body, 'back') as TabId | undefined;
    const path = back && Object.hasOwn(TAB_PATHS, back) ? TAB_PATHS[back] : TAB_PATHS.scope;
    return redirect(d.s, reply, `${prefix}${path}`);
  });
}

async function runTester(d: ConsoleDeps, reply: FastifyReply, p: AdminPage, input: TesterInput): Promise<FastifyReply> {
  const show = (status: number, extra: { error?: string; result?: { explanation: ReturnType<typeof explain>; state: string } }) =>
    renderTab(d, reply, p, 'tester', testerView(p.brand, p.t, { csrf: p.csrf, input, ...extra }), status);
  if (!input.user) return show(422, { error: p.t('tester.needUser') });
  const ip = input.ip ? canonicalIp(input.ip) : '';
  if (input.ip && !ip) return show(422, { error: p.t('tester.badIp', { ip: input.ip }) });
  // Judged as the gate would: on the normalised path, or refused like the gate refuses it.
  const path = normalisePath(input.path.split('?')[0] ?? '/');
  if (!path.ok) return show(422, { error: `${input.path}: ${path.reason}` });
  const now = d.s.now();
  const state = await d.s.store.getUser(input.user);
  const live = d.s.runtime.live;
  const explanation = explain(live.policy, {
    identity: { user: input.user, groups: list(input.groups), roles: list(input.roles), source: 'header', credential: 'console' },
    clientIp: ip ?? '',
    method: input.method,
    path: path.path,
    claims: { session: null, device: null, skip: null },
    state,
    now,
  });
  return show(200, { result: { explanation, state: state ? statusText(p.t, userStatus(live.policy, state, now)) : p.t('tester.neverSeen') } });
}
