/**
 * The console's frame: heading, tabs (plain links: no script needed), the
 * policy version with the Reload button, the outcome of the last reload
 * (a refused SIGHUP must be seen by whoever opens the console next) and
 * the message from the last action.
 */
import { html, layout, type Brand, type Html } from '../../pages/index.js';
import type { ReloadRecord } from '../../server/reload.js';
import type { AdminTextKey, AdminTranslate } from '../texts.js';
import { flashBox, fmtTime, hidden, type Flash } from './common.js';

export type TabId = 'scope' | 'settings' | 'trusted' | 'users' | 'rollout' | 'audit' | 'tester';

/** Paths below {prefix}. */
export const TAB_PATHS: Readonly<Record<TabId, string>> = {
  scope: '/admin',
  settings: '/admin/settings',
  trusted: '/admin/trusted-ips',
  users: '/admin/users',
  rollout: '/admin/rollout',
  audit: '/admin/audit',
  tester: '/admin/tester',
};

const TAB_TEXT: Readonly<Record<TabId, AdminTextKey>> = {
  scope: 'tab.scope',
  settings: 'tab.settings',
  trusted: 'tab.trusted',
  users: 'tab.users',
  rollout: 'tab.rollout',
  audit: 'tab.audit',
  tester: 'tab.tester',
};

export interface FrameView {
  tab: TabId;
  user: string;
  verifiedAt: number;
  csrf: string;
  policyVersion: number;
  appliedAt: number;
  source: string;
  readOnly: string | null;
  lastReload: ReloadRecord | null;
  flash?: Flash;
}

function reloadNote(t: AdminTranslate, r: ReloadRecord | null): Html {
  if (!r) return html``;
  if (!r.ok) {
    return flashBox({ kind: 'error', text: t('reload.failed', { actor: r.actor, time: fmtTime(r.at) }), lines: r.messages });
  }
  return html`<p class="muted">${t('reload.ok', { actor: r.actor, time: fmtTime(r.at), messages: r.messages.join('; ') })}</p>`;
}

export function consolePage(b: Brand, t: AdminTranslate, v: FrameView, body: Html): string {
  const tabs = (Object.keys(TAB_PATHS) as TabId[]).map(
    (id) => html`<a href="${b.prefix}${TAB_PATHS[id]}"${id === v.tab ? html` aria-current="page"` : ''}>${t(TAB_TEXT[id])}</a>`,
  );
  const content = html`<h1>${t('console.title')}</h1>
<p class="account">${t('console.signedIn', { user: v.user, time: fmtTime(v.verifiedAt) })}</p>
<nav class="tabs" aria-label="${t('console.title')}">${tabs}</nav>
<div class="inline">
<p class="muted">${t('policy.status', { version: v.policyVersion, time: fmtTime(v.appliedAt), source: v.source })}</p>
<form method="post" action="${b.prefix}/admin/reload">${hidden(v.csrf)}<input type="hidden" name="back" value="${v.tab}"><button type="submit" class="secondary">${t('reload.button')}</button></form>
</div>
${reloadNote(t, v.lastReload)}
${v.readOnly ? html`<p class="notice">${t('save.readOnly', { reason: v.readOnly })}</p>` : ''}
${flashBox(v.flash)}
<h2>${t(TAB_TEXT[v.tab])}</h2>
${body}`;
  return layout(b, t(TAB_TEXT[v.tab]), content, { wide: true });
}
