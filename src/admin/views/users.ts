/** The Users tab: search, status filter, one page of users, and the reset confirmation. */
import { html, type Brand, type Html } from '../../pages/index.js';
import type { UserState } from '../../store/types.js';
import type { AdminTranslate } from '../texts.js';
import { STORE_STATUSES, type UserStatus } from '../users.js';
import { fmtDate, fmtTime, hidden } from './common.js';

export interface UsersQuery {
  q: string;
  status: string;
  page: number;
}

export interface UsersView {
  csrf: string;
  query: UsersQuery;
  pageSize: number;
  total: number;
  rows: readonly { user: UserState; status: UserStatus }[];
}

export function statusText(t: AdminTranslate, st: UserStatus): string {
  switch (st.kind) {
    case 'locked':
      return t('status.locked', { time: fmtTime(st.lockedUntil) });
    case 'skipped':
      return st.skippedUntil === null ? t('status.skippedForever') : t('status.skipped', { date: fmtDate(st.skippedUntil) });
    default:
      return t(`status.${st.kind}`);
  }
}

export function usersHref(prefix: string, q: UsersQuery, page: number): string {
  const params = new URLSearchParams();
  if (q.q) params.set('q', q.q);
  if (q.status) params.set('status', q.status);
  if (page > 0) params.set('page', String(page));
  const s = params.toString();
  return `${prefix}/admin/users${s ? `?${s}` : ''}`;
}

function row(b: Brand, t: AdminTranslate, csrf: string, u: UserState, st: UserStatus): Html {
  const reset = html`<a class="button secondary" href="${b.prefix}/admin/users/reset?user=${encodeURIComponent(u.user)}">${t('users.reset')}</a>`;
  const unlock = st.kind === 'locked'
    ? html`<form method="post" action="${b.prefix}/admin/users/unlock" class="inline">${hidden(csrf)}<input type="hidden" name="user" value="${u.user}"><button type="submit" class="secondary">${t('users.unlock')}</button></form>`
    : '';
  return html`<tr data-user="${u.user}"><td>${u.user}</td>
<td><span class="pill" data-status="${st.kind}">${statusText(t, st)}</span><br><span class="muted">${st.scopeReason}</span></td>
<td>${u.lastSeenGroups.join(', ')}</td>
<td>${fmtTime(u.lastSeenAt)}${u.lastSeenIp ? html`<br><span class="muted">${t('users.from', { ip: u.lastSeenIp })}</span>` : ''}</td>
<td>${u.lastVerifiedAt ? fmtTime(u.lastVerifiedAt) : t('common.never')}</td>
<td>${u.sealedSecret ? u.recoveryCodesLeft : '—'}</td>
<td><div class="inline">${reset}${unlock}</div></td></tr>`;
}

export function usersView(b: Brand, t: AdminTranslate, v: UsersView): Html {
  const first = v.query.page * v.pageSize;
  const last = Math.min(v.total, first + v.rows.length);
  const statusOptions = STORE_STATUSES.map(
    (s) => html`<option value="${s}"${v.query.status === s ? html` selected` : ''}>${t(`filter.${s}`)}</option>`,
  );
  const nav = html`<p class="inline">
${v.query.page > 0 ? html`<a href="${usersHref(b.prefix, v.query, v.query.page - 1)}" rel="prev">${t('users.prev')}</a>` : ''}
${last < v.total ? html`<a href="${usersHref(b.prefix, v.query, v.query.page + 1)}" rel="next">${t('users.next')}</a>` : ''}</p>`;
  return html`<form method="get" action="${b.prefix}/admin/users" class="inline" role="search">
<div><label for="q">${t('users.search')}</label><input type="search" id="q" name="q" value="${v.query.q}"></div>
<div><label for="status">${t('users.status')}</label><select id="status" name="status"><option value="">${t('users.any')}</option>${statusOptions}</select></div>
<button type="submit">${t('users.find')}</button></form>
${v.rows.length === 0
  ? html`<p>${t('users.none')}</p>`
  : html`<p class="muted" id="showing">${t('users.showing', { from: first + 1, to: last, total: v.total })}</p>
<div class="table-wrap"><table><thead><tr><th>${t('users.col.user')}</th><th>${t('users.col.status')}</th><th>${t('users.col.groups')}</th><th>${t('users.col.lastSeen')}</th><th>${t('users.col.lastVerified')}</th><th>${t('users.col.codes')}</th><th>${t('users.col.actions')}</th></tr></thead>
<tbody>${v.rows.map((r) => row(b, t, v.csrf, r.user, r.status))}</tbody></table></div>${nav}`}
<p class="muted">${t('users.scopeNote')}</p>`;
}

export function resetConfirmView(b: Brand, t: AdminTranslate, v: { csrf: string; user: string }): Html {
  return html`<h3>${t('users.resetTitle', { user: v.user })}</h3>
<p>${t('users.resetExplain', { user: v.user })}</p>
<div class="actions"><form method="post" action="${b.prefix}/admin/users/reset">${hidden(v.csrf)}<input type="hidden" name="user" value="${v.user}"><button type="submit" class="danger">${t('users.resetConfirm', { user: v.user })}</button></form>
<a class="button secondary" href="${b.prefix}/admin/users?q=${encodeURIComponent(v.user)}">${t('common.cancel')}</a></div>`;
}
