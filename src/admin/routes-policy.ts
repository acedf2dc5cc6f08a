/**
 * Console routes of the policy tabs. A POST turns the form into an edit of
 * the stored policy and saves it through the sink; the answer is the tab
 * again, with the outcome on top. Re-posting (a browser refresh) is harmless:
 * the version in the form no longer matches and the save is refused.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfOk, field } from '../flow/index.js';
import { sendError } from '../gate/respond.js';
import { renderTab, outcomeFlash, type ConsoleDeps } from './console.js';
import type { AdminPage } from './guard.js';
import { setAt, toRawPolicy, type RawPolicy } from './policy-raw.js';
import type { PolicyEdit } from './sink.js';
import { savePolicy } from './save.js';
import type { Flash } from './views/common.js';
import { SCOPE_LISTS, scopeView, settingsValuesOf, settingsView, trustedView, type ScopeListId, type SettingsValues } from './views/policy.js';

const running = (d: ConsoleDeps): RawPolicy => toRawPolicy(d.s.runtime.live.config);

/** Form integers stay strings when they are not integers, so validation can say what was wrong. */
function formInt(v: string): number | string {
  return /^\s*\d{1,9}\s*$/.test(v) ? Number(v) : v;
}
function formBool(v: string): boolean | string {
  return v === 'true' ? true : v === 'false' ? false : v;
}

async function save(d: ConsoleDeps, req: FastifyRequest, p: AdminPage, edit: PolicyEdit) {
  return savePolicy(d.s, d.sink, edit, field(req.body, 'version') ?? '', p.actor);
}

export function registerPolicyRoutes(app: FastifyInstance, d: ConsoleDeps): void {
  const prefix = d.s.runtime.live.config.server.prefix;

  async function showScope(reply: FastifyReply, p: AdminPage, status = 200, flash?: Flash) {
    const body = scopeView(p.brand, p.t, { csrf: p.csrf, version: await d.sink.version(), policy: running(d), known: await d.suggestions() });
    return renderTab(d, reply, p, 'scope', body, status, flash);
  }

  async function showSettings(reply: FastifyReply, p: AdminPage, status = 200, flash?: Flash, values?: SettingsValues) {
    const body = settingsView(p.brand, p.t, { csrf: p.csrf, version: await d.sink.version(), values: values ?? settingsValuesOf(running(d)) });
    return renderTab(d, reply, p, 'settings', body, status, flash);
  }

  async function showTrusted(reply: FastifyReply, p: AdminPage, status = 200, flash?: Flash, entry = '') {
    const live = d.s.runtime.live;
    const body = trustedView(p.brand, p.t, {
      csrf: p.csrf,
      version: await d.sink.version(),
      entries: live.config.twoFactor.trustedIps,
      clientIp: p.ctx.clientIp,
      coveredBy: p.ctx.clientIp ? live.policy.trustedIps.match(p.ctx.clientIp) : null,
      entry,
    });
    return renderTab(d, reply, p, 'trusted', body, status, flash);
  }

  for (const path of [`${prefix}/admin`, `${prefix}/admin/scope`]) {
    app.get(path, async (req, reply) => {
      const p = await d.guard(req, reply);
      return p ? showScope(reply, p) : reply;
    });
  }

  app.post(`${prefix}/admin/scope`, async (req, reply) => {
    const p = await d.guard(req, reply);
    if (!p || !csrfOk(d.s, req, reply, p, field(req.body, 'csrf'))) return reply;
    const op = field(req.body, 'op');
    const list = field(req.body, 'list') as ScopeListId | undefined;
    let edit: PolicyEdit;
    if (op === 'everyone') {
      const on = field(req.body, 'everyone') === 'true';
      edit = (cur) => (setAt(cur, ['twoFactor', 'enabledFor', 'everyone'], on), cur);
    } else if ((op === 'add' || op === 'remove') && list && (SCOPE_LISTS as readonly string[]).includes(list)) {
      const keyPath = ['twoFactor', ...list.split('.')];
      // Names may contain spaces ("Finance Team"), so only commas separate them.
      const names = op === 'add' ? (field(req.body, 'names') ?? '').split(',').map((n) => n.trim()).filter(Boolean) : [field(req.body, 'name') ?? ''];
      edit = (cur) => {
        const [section, kind] = list.split('.') as ['enabledFor' | 'exempt', 'users' | 'groups' | 'roles'];
        const now = cur.twoFactor[section][kind];
        const next = op === 'add' ? [...now, ...names.filter((n, i) => !now.includes(n) && names.indexOf(n) === i)] : now.filter((n) => !names.includes(n));
        setAt(cur, keyPath, next);
        return cur;
      };
    } else {
      return sendError(d.s, req, reply, 'GH_ERR_BAD_PATH');
    }
    const outcome = await save(d, req, p, edit);
    const { status, flash } = outcomeFlash(p, outcome);
    return showScope(reply, p, status, flash);
  });

  app.get(`${prefix}/admin/settings`, async (req, reply) => {
    const p = await d.guard(req, reply);
    return p ? showSettings(reply, p) : reply;
  });

  app.post(`${prefix}/admin/settings`, async (req, reply) => {
    const p = await d.guard(req, reply);
    if (!p || !csrfOk(d.s, req, reply, p, field(req.body, 'csrf'))) return reply;
    const f = (name: keyof SettingsValues) => field(req.body, name) ?? '';
    const values: SettingsValues = {
      enforce: f('enforce'), gracePeriod: f('gracePeriod').trim(), rememberEnabled: f('rememberEnabled'), rememberDays: f('rememberDays'),
      allowFrom: f('allowFrom'), maxFailures: f('maxFailures'), lockoutWindow: f('lockoutWindow').trim(), lockoutDuration: f('lockoutDuration').trim(),
      issuer: f('issuer'), title: f('title'), helpUrl: f('helpUrl').trim(), supportContact: f('supportContact'),
    };
    const edit: PolicyEdit = (cur) => {
      const set = (path: string, v: unknown) => setAt(cur, path.split('.'), v);
      set('twoFactor.enforce', formBool(values.enforce));
      // Empty means "no limit", which the config spells null.
      set('twoFactor.skip.gracePeriod', values.gracePeriod === '' ? null : values.gracePeriod);
      set('twoFactor.rememberDevices.enabled', formBool(values.rememberEnabled));
      set('twoFactor.rememberDevices.days', formInt(values.rememberDays));
      set('twoFactor.enrolment.allowFrom', values.allowFrom);
      set('twoFactor.lockout.maxFailures', formInt(values.maxFailures));
      set('twoFactor.lockout.window', values.lockoutWindow);
      set('twoFactor.lockout.duration', values.lockoutDuration);
      set('twoFactor.issuer', values.issuer);
      set('pages.title', values.title);
      set('pages.helpUrl', values.helpUrl);
      set('pages.supportContact', values.supportContact);
      return cur;
    };
    const outcome = await save(d, req, p, edit);
    const { status, flash } = outcomeFlash(p, outcome);
    // A refused form keeps what was typed; anything else shows the values now in force.
    return showSettings(reply, p, status, flash, outcome.kind === 'invalid' ? values : undefined);
  });

  app.get(`${prefix}/admin/trusted-ips`, async (req, reply) => {
    const p = await d.guard(req, reply);
    return p ? showTrusted(reply, p) : reply;
  });

  app.post(`${prefix}/admin/trusted-ips`, async (req, reply) => {
    const p = await d.guard(req, reply);
    if (!p || !csrfOk(d.s, req, reply, p, field(req.body, 'csrf'))) return reply;
    const op = field(req.body, 'op');
    const entry = (field(req.body, 'entry') ?? '').trim();
    if (op !== 'add' && op !== 'remove') return sendError(d.s, req, reply, 'GH_ERR_BAD_PATH');
    const outcome = await save(d, req, p, (cur) => {
      const list = cur.twoFactor.trustedIps;
      cur.twoFactor.trustedIps = op === 'add' ? (list.includes(entry) ? list : [...list, entry]) : list.filter((e) => e !== entry);
      return cur;
    });
    const { status, flash } = outcomeFlash(p, outcome);
    return showTrusted(reply, p, status, flash, outcome.kind === 'invalid' && op === 'add' ? entry : '');
  });
}
