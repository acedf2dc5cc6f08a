/** The read-only tabs: Rollout numbers, the Audit trail and the Policy tester. */
import { formatDuration } from '../../config/index.js';
import { html, type Brand, type Html } from '../../pages/index.js';
import type { Explanation } from '../../policy/index.js';
import type { AuditEvent, AuditType } from '../../store/types.js';
import { showValue } from '../policy-raw.js';
import type { PendingUser, Rollout } from '../rollout.js';
import type { AdminTranslate } from '../texts.js';
import { flashBox, fmtDate, fmtTime, hidden } from './common.js';
import { statusText } from './users.js';

export interface RolloutView {
  rollout: Rollout;
  enforce: boolean;
  graceMs: number | null;
}

function stat(label: string, n: number, id: string): Html {
  return html`<div class="stat" id="${id}"><b>${n.toLocaleString('en')}</b>${label}</div>`;
}

function deadline(t: AdminTranslate, v: RolloutView, p: PendingUser): string {
  const st = p.status;
  if (st.kind === 'skipped') return st.skippedUntil === null ? t('rollout.noDeadline') : fmtDate(st.skippedUntil);
  if (st.mustSetUpBy === 0) return t('rollout.nextLogin');
  if (st.mustSetUpBy !== null) return fmtDate(st.mustSetUpBy);
  // The grace period starts at the first prompt, which this user has not had yet.
  return v.graceMs !== null && p.firstPromptedAt === null ? t('rollout.notPrompted', { grace: formatDuration(v.graceMs) }) : t('rollout.noDeadline');
}

export function rolloutView(b: Brand, t: AdminTranslate, v: RolloutView): Html {
  const r = v.rollout;
  const policyNote = v.enforce
    ? t('rollout.enforceOn')
    : v.graceMs === null ? t('rollout.enforceOffForever') : t('rollout.enforceOffGrace', { grace: formatDuration(v.graceMs) });
  return html`<p>${t('rollout.intro')}</p>
<div class="grid2">${stat(t('rollout.inScope'), r.inScope, 'in-scope')}${stat(t('rollout.enrolled'), r.enrolled, 'enrolled')}${stat(t('rollout.skipped'), r.skipped, 'skipped')}${stat(t('rollout.notSetUp'), r.notSetUp, 'not-set-up')}${stat(t('rollout.locked'), r.locked, 'locked')}${stat(t('rollout.neverSeen'), r.listedNeverSeen.length, 'never-seen')}</div>
${r.listedNeverSeen.length ? html`<p id="never-seen-names">${t('rollout.neverSeen')}: ${r.listedNeverSeen.join(', ')}</p>` : ''}
<p class="notice">${policyNote}</p>
<h3>${t('rollout.pending')}</h3>
${r.pending.length
  ? html`<div class="table-wrap"><table><thead><tr><th>${t('users.col.user')}</th><th>${t('users.col.status')}</th><th>${t('rollout.col.firstPrompted')}</th><th>${t('rollout.col.deadline')}</th><th>${t('users.col.lastSeen')}</th></tr></thead>
<tbody>${r.pending.map((p) => html`<tr data-user="${p.user}"><td>${p.user}</td><td>${statusText(t, p.status)}</td><td>${fmtTime(p.firstPromptedAt)}</td><td>${deadline(t, v, p)}</td><td>${fmtTime(p.lastSeenAt)}</td></tr>`)}</tbody></table></div>
${r.pendingTotal > r.pending.length ? html`<p class="muted">${t('rollout.more', { more: r.pendingTotal - r.pending.length })}</p>` : ''}`
  : html`<p class="muted">—</p>`}
<p class="muted">${t('rollout.computed', { time: fmtTime(r.computedAt), seen: r.seen })} ${r.truncated ? t('rollout.truncated', { seen: r.seen }) : ''} <a href="${b.prefix}/admin/rollout?fresh=1">${t('rollout.recompute')}</a></p>`;
}

export const AUDIT_TYPES = [
  'enrolled', 'verified', 'failed', 'locked', 'unlocked', 'skipped', 'recovery_used', 'recovery_regenerated',
  'reset', 'policy_changed', 'reload_ok', 'reload_failed', 'api_call', 'admin_login',
] as const satisfies readonly AuditType[];

export interface AuditView {
  user: string;
  type: string;
  events: readonly AuditEvent[];
  olderHref: string | null;
}

function detailOf(e: AuditEvent): Html {
  const changes = e.detail.changes;
  if (Array.isArray(changes)) {
    return html`<ul>${changes.map((c: { path?: unknown; old?: unknown; new?: unknown }) => html`<li>${String(c.path)}: ${showValue(c.old)} → ${showValue(c.new)}</li>`)}</ul>`;
  }
  const text = JSON.stringify(e.detail);
  return html`<code>${text === '{}' ? '' : text.length > 300 ? `${text.slice(0, 297)}...` : text}</code>`;
}

export function auditView(b: Brand, t: AdminTranslate, v: AuditView): Html {
  return html`<form method="get" action="${b.prefix}/admin/audit" class="inline" role="search">
<div><label for="audit-user">${t('audit.user')}</label><input type="search" id="audit-user" name="user" value="${v.user}"></div>
<div><label for="audit-type">${t('audit.type')}</label><select id="audit-type" name="type"><option value="">${t('audit.any')}</option>${AUDIT_TYPES.map((x) => html`<option value="${x}"${v.type === x ? html` selected` : ''}>${x}</option>`)}</select></div>
<button type="submit">${t('audit.filter')}</button></form>
${v.events.length
  ? html`<div class="table-wrap"><table><thead><tr><th>${t('audit.col.time')}</th><th>${t('audit.type')}</th><th>${t('audit.user')}</th><th>${t('audit.col.actor')}</th><th>${t('audit.col.ip')}</th><th>${t('audit.col.detail')}</th></tr></thead>
<tbody>${v.events.map((e) => html`<tr data-type="${e.type}"><td>${fmtTime(e.at)}</td><td>${e.type}</td><td>${e.user}</td><td>${e.actor}</td><td>${e.ip}</td><td>${detailOf(e)}</td></tr>`)}</tbody></table></div>
${v.olderHref ? html`<p><a href="${v.olderHref}" rel="next">${t('audit.older')}</a></p>` : ''}`
  : html`<p>${t('audit.none')}</p>`}`;
}

export interface TesterInput {
  user: string;
  groups: string;
  roles: string;
  ip: string;
  path: string;
  method: string;
}

export interface TesterView {
  csrf: string;
  input: TesterInput;
  result?: { explanation: Explanation; state: string };
  error?: string;
}

function input(name: keyof TesterInput, label: string, value: string): Html {
  return html`<div><label for="tester-${name}">${label}</label><input type="text" id="tester-${name}" name="${name}" value="${value}" autocomplete="off"></div>`;
}

export function testerView(b: Brand, t: AdminTranslate, v: TesterView): Html {
  const x = v.input;
  const r = v.result;
  return html`<p>${t('tester.intro')}</p>
<form method="post" action="${b.prefix}/admin/tester">${hidden(v.csrf)}
<div class="grid2">${input('user', t('tester.user'), x.user)}${input('groups', t('tester.groups'), x.groups)}${input('roles', t('tester.roles'), x.roles)}${input('ip', t('tester.ip'), x.ip)}${input('path', t('tester.path'), x.path)}${input('method', t('tester.method'), x.method)}</div>
<div class="actions"><button type="submit">${t('tester.run')}</button></div></form>
${v.error ? flashBox({ kind: 'error', text: v.error }) : ''}
${r
  ? html`<p class="notice" id="decision"><strong>${t('tester.decision', { action: r.explanation.decision.action, reason: r.explanation.decision.reason })}</strong></p>
<p class="muted">${t('tester.state', { user: x.user, state: r.state })}${r.explanation.usedState ? '' : ` (${t('tester.notUsed')})`}</p>
<div class="table-wrap"><table><thead><tr><th>${t('tester.col.rule')}</th><th>${t('tester.col.outcome')}</th><th>${t('tester.col.detail')}</th></tr></thead>
<tbody>${r.explanation.steps.map((s) => html`<tr><td>${s.rule}</td><td>${s.outcome === 'decided' ? html`<strong>${t('tester.decided')}</strong>` : t('tester.passed')}</td><td>${s.detail}</td></tr>`)}</tbody></table></div>`
  : ''}`;
}
