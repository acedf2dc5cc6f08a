/**
 * The three tabs that edit the policy: Enable two-factor (scope lists),
 * Settings and Trusted IPs. Every form carries the CSRF token and the
 * version it was rendered from, so a save on top of someone else's is refused.
 */
import { html, type Brand, type Html } from '../../pages/index.js';
import type { RawPolicy } from '../policy-raw.js';
import type { AdminTextKey, AdminTranslate } from '../texts.js';
import { hidden } from './common.js';

export const SCOPE_LISTS = ['enabledFor.users', 'enabledFor.groups', 'enabledFor.roles', 'exempt.users', 'exempt.groups', 'exempt.roles'] as const;
export type ScopeListId = (typeof SCOPE_LISTS)[number];

interface FormBase {
  csrf: string;
  version: string;
}

export interface ScopeView extends FormBase {
  policy: RawPolicy;
  known: { users: readonly string[]; groups: readonly string[] };
}

function namesOf(p: RawPolicy, id: ScopeListId): string[] {
  const [section, kind] = id.split('.') as ['enabledFor' | 'exempt', 'users' | 'groups' | 'roles'];
  return p.twoFactor[section][kind];
}

function listEditor(b: Brand, t: AdminTranslate, v: ScopeView, id: ScopeListId): Html {
  const kind = id.split('.')[1] as 'users' | 'groups' | 'roles';
  const label = t(`scope.${kind}` as AdminTextKey);
  const names = namesOf(v.policy, id);
  const fieldId = `add-${id.replace('.', '-')}`;
  const suggestions = kind === 'users' ? 'known-users' : kind === 'groups' ? 'known-groups' : '';
  const items = names.length
    ? html`<ul>${names.map(
        (name) => html`<li><form method="post" action="${b.prefix}/admin/scope" class="inline">${hidden(v.csrf, v.version)}<input type="hidden" name="op" value="remove"><input type="hidden" name="list" value="${id}"><input type="hidden" name="name" value="${name}"><span>${name}</span> <button type="submit" class="secondary" aria-label="${t('common.removeName', { name })}">${t('common.remove')}</button></form></li>`,
      )}</ul>`
    : html`<p class="muted">${t('scope.empty')}</p>`;
  return html`<h4>${label}</h4>${items}
<form method="post" action="${b.prefix}/admin/scope" class="inline">${hidden(v.csrf, v.version)}<input type="hidden" name="op" value="add"><input type="hidden" name="list" value="${id}">
<div><label for="${fieldId}">${t('scope.names')}</label><input type="text" id="${fieldId}" name="names" autocomplete="off"${suggestions ? html` list="${suggestions}"` : ''}></div>
<button type="submit">${t('common.add')}</button></form>`;
}

export function scopeView(b: Brand, t: AdminTranslate, v: ScopeView): Html {
  const everyone = v.policy.twoFactor.enabledFor.everyone;
  return html`<p>${t('scope.intro')}</p>
<h3>${t('scope.everyone')}</h3>
<form method="post" action="${b.prefix}/admin/scope" class="inline">${hidden(v.csrf, v.version)}<input type="hidden" name="op" value="everyone"><input type="hidden" name="everyone" value="${everyone ? 'false' : 'true'}">
<p>${everyone ? t('scope.everyoneOn') : t('scope.everyoneOff')}</p><button type="submit" class="secondary">${everyone ? t('scope.turnOff') : t('scope.turnOn')}</button></form>
<div class="grid2">
<section><h3>${t('scope.enabledFor')}</h3>${SCOPE_LISTS.slice(0, 3).map((id) => listEditor(b, t, v, id))}</section>
<section><h3>${t('scope.exempt')}</h3>${SCOPE_LISTS.slice(3).map((id) => listEditor(b, t, v, id))}</section>
</div>
<datalist id="known-users">${v.known.users.map((n) => html`<option value="${n}">`)}</datalist>
<datalist id="known-groups">${v.known.groups.map((n) => html`<option value="${n}">`)}</datalist>`;
}

/** The Settings form as strings, so a refused form shows back exactly what was typed. */
export interface SettingsValues {
  enforce: string;
  gracePeriod: string;
  rememberEnabled: string;
  rememberDays: string;
  allowFrom: string;
  maxFailures: string;
  lockoutWindow: string;
  lockoutDuration: string;
  issuer: string;
  title: string;
  helpUrl: string;
  supportContact: string;
}

export function settingsValuesOf(p: RawPolicy): SettingsValues {
  const tf = p.twoFactor;
  return {
    enforce: String(tf.enforce),
    gracePeriod: tf.skip.gracePeriod ?? '',
    rememberEnabled: String(tf.rememberDevices.enabled),
    rememberDays: String(tf.rememberDevices.days),
    allowFrom: tf.enrolment.allowFrom,
    maxFailures: String(tf.lockout.maxFailures),
    lockoutWindow: tf.lockout.window,
    lockoutDuration: tf.lockout.duration,
    issuer: tf.issuer,
    title: p.pages.title,
    helpUrl: p.pages.helpUrl,
    supportContact: p.pages.supportContact,
  };
}

export interface SettingsView extends FormBase {
  values: SettingsValues;
}

function yesNo(t: AdminTranslate, name: keyof SettingsValues, value: string): Html {
  return html`<select id="${name}" name="${name}"><option value="true"${value === 'true' ? html` selected` : ''}>${t('common.yes')}</option><option value="false"${value === 'false' ? html` selected` : ''}>${t('common.no')}</option></select>`;
}

function text(name: keyof SettingsValues, label: string, value: string, help?: string, type = 'text'): Html {
  return html`<label for="${name}">${label}</label><input type="${type}" id="${name}" name="${name}" value="${value}"${help ? html` aria-describedby="${name}-help"` : ''}>${help ? html`<p class="muted" id="${name}-help">${help}</p>` : ''}`;
}

export function settingsView(b: Brand, t: AdminTranslate, v: SettingsView): Html {
  const x = v.values;
  return html`<form method="post" action="${b.prefix}/admin/settings">${hidden(v.csrf, v.version)}
<label for="enforce">${t('settings.enforce')}</label>${yesNo(t, 'enforce', x.enforce)}<p class="muted">${t('settings.enforceHelp')}</p>
${text('gracePeriod', t('settings.grace'), x.gracePeriod, t('settings.graceHelp'))}
<label for="rememberEnabled">${t('settings.remember')}</label>${yesNo(t, 'rememberEnabled', x.rememberEnabled)}<p class="muted">${t('settings.rememberHelp')}</p>
${text('rememberDays', t('settings.rememberDays'), x.rememberDays, undefined, 'number')}
<label for="allowFrom">${t('settings.allowFrom')}</label><select id="allowFrom" name="allowFrom"><option value="anywhere"${x.allowFrom === 'anywhere' ? html` selected` : ''}>${t('settings.allowAnywhere')}</option><option value="trustedIps"${x.allowFrom === 'trustedIps' ? html` selected` : ''}>${t('settings.allowTrusted')}</option></select>
<h3>${t('settings.lockout')}</h3>
<div class="grid2"><div>${text('maxFailures', t('settings.maxFailures'), x.maxFailures, undefined, 'number')}</div><div>${text('lockoutWindow', t('settings.window'), x.lockoutWindow)}</div><div>${text('lockoutDuration', t('settings.duration'), x.lockoutDuration)}</div></div>
${text('issuer', t('settings.issuer'), x.issuer)}
<h3>${t('settings.pages')}</h3>
${text('title', t('settings.title'), x.title)}
${text('helpUrl', t('settings.helpUrl'), x.helpUrl)}
${text('supportContact', t('settings.supportContact'), x.supportContact)}
<div class="actions"><button type="submit">${t('save.button')}</button></div>
</form>`;
}

export interface TrustedView extends FormBase {
  entries: readonly string[];
  clientIp: string;
  coveredBy: string | null;
  /** What was typed, shown again when it was refused. */
  entry: string;
}

export function trustedView(b: Brand, t: AdminTranslate, v: TrustedView): Html {
  const rows = v.entries.length
    ? html`<ul>${v.entries.map(
        (e) => html`<li><form method="post" action="${b.prefix}/admin/trusted-ips" class="inline">${hidden(v.csrf, v.version)}<input type="hidden" name="op" value="remove"><input type="hidden" name="entry" value="${e}"><code>${e}</code> <button type="submit" class="secondary" aria-label="${t('common.removeName', { name: e })}">${t('common.remove')}</button></form></li>`,
      )}</ul>`
    : html`<p class="muted">${t('trusted.empty')}</p>`;
  return html`<p>${t('trusted.intro')}</p>
<p class="notice" id="your-ip">${t('trusted.yourIp', { ip: v.clientIp || '?' })} ${v.coveredBy ? t('trusted.covered', { entry: v.coveredBy }) : t('trusted.notCovered')}</p>
${rows}
<form method="post" action="${b.prefix}/admin/trusted-ips" class="inline">${hidden(v.csrf, v.version)}<input type="hidden" name="op" value="add">
<div><label for="entry">${t('trusted.entry')}</label><input type="text" id="entry" name="entry" value="${v.entry}" placeholder="10.0.0.0/8" autocomplete="off" spellcheck="false"></div>
<button type="submit">${t('common.add')}</button></form>`;
}
