/**
 * The user-facing pages. Each takes a view model and returns HTML; none of
 * them knows about policy, the store or HTTP (STYLE 8).
 */
import type { TextKey } from './catalogue.js';
import { esc, html, Html } from './html.js';
import { badge } from './icons.js';
import { layout, type Brand } from './layout.js';

const fmtDate = (ms: number, lang: string) =>
  new Date(ms).toLocaleDateString(lang, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
const fmtTime = (ms: number, lang: string) =>
  new Date(ms).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });

/**
 * A catalogue text whose placeholders are HTML (a user name in bold): the
 * text is escaped first, then the already-escaped fragments are put in, so
 * a reworded text in the config can never inject markup.
 */
export function rich(b: Brand, key: TextKey, vars: Record<string, Html | string | number>): Html {
  return new Html(
    esc(b.t(key)).replace(/\{(\w+)\}/g, (m, name: string) => {
      const v = vars[name];
      return v === undefined ? m : v instanceof Html ? v.value : esc(v);
    }),
  );
}

/** Which account the page is about: a user with several logins must not type a code for the wrong one. */
function account(b: Brand, user: string): Html {
  const initial = [...user.trim()][0] ?? '?';
  return html`<p class="account"><span class="avatar" aria-hidden="true">${initial}</span><span>${rich(b, 'common.signedInAs', {
    title: b.title,
    user: html`<strong>${user}</strong>`,
  })}</span></p>`;
}

function lostDevice(b: Brand): Html {
  return html`<p class="muted">${b.supportContact ? b.t('common.support', { contact: b.supportContact }) : b.t('common.supportNoContact')}</p>`;
}

function hidden(v: { csrf: string; rd: string }): Html {
  return html`<input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="rd" value="${v.rd}">`;
}

function codeInput(id: string, label: string, error: string | undefined, autofocus: boolean): Html {
  // type=text + inputmode=numeric rather than type=number: keeps leading
  // zeros, accepts a pasted "123 456", and lets an authenticator's autofill
  // (autocomplete=one-time-code) fill it. No pattern attribute: the browser's
  // own message would be in the browser's language, not the page's, and the
  // server forgives spaces and hyphens anyway.
  return html`<label for="${id}">${label}</label>
<input class="code" type="text" id="${id}" name="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="off" spellcheck="false" maxlength="20" required${autofocus ? html` autofocus` : ''}${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
${error ? html`<p class="error" id="${id}-error" role="alert">${error}</p>` : ''}`;
}

export interface EnrolView {
  user: string;
  qrSvg: string;
  /** The otpauth:// URI, for the "open in an app on this phone" link on touch screens. */
  otpauthUri?: string;
  manualKey: string;
  csrf: string;
  rd: string;
  skippable: boolean;
  skipDeadline: number | null;
  graceEndedAt: number | null;
  error?: string;
}

export function enrolPage(b: Brand, v: EnrolView): string {
  const t = b.t;
  const skipNote = v.skippable
    ? v.skipDeadline
      ? t('enrol.skipUntil', { date: fmtDate(v.skipDeadline, b.locale ?? b.lang) })
      : t('enrol.skipForever')
    : v.graceEndedAt
      ? t('enrol.graceEnded', { date: fmtDate(v.graceEndedAt, b.locale ?? b.lang) })
      : t('enrol.mustNow');
  // The QR's accessible name goes on the <svg> itself (it already has role=img).
  const qr = new Html(v.qrSvg.replace('<svg ', `<svg aria-label="${esc(t('enrol.qrLabel'))}" `));
  const body = html`${badge('shield')}
<h1>${t('enrol.title')}</h1>
${account(b, v.user)}
<p class="lead">${t('enrol.why', { title: b.title })}${b.helpUrl ? html` <a href="${b.helpUrl}">${t('common.learnMore')}</a>` : ''}</p>
<ol class="steps">
<li><h2>${t('enrol.step1Title')}</h2><p class="apps">${t('enrol.step1')}</p></li>
<li><h2>${t('enrol.step2Title')}</h2><p>${t('enrol.step2')}</p>
<div class="qr-block">
<div class="qr">${qr}</div>
<label for="manual-key">${t('enrol.manual')}</label>
<textarea class="key" id="manual-key" rows="2" readonly spellcheck="false" autocomplete="off" autocapitalize="off" data-select-on-focus>${v.manualKey}</textarea>
<div class="copy-row"><button type="button" class="secondary" data-copy-target="manual-key" data-copy-status="copy-status" data-copied="${t('enrol.copied')}" hidden>${t('enrol.copy')}</button><p class="copied" id="copy-status" role="status"></p></div>
${v.otpauthUri ? html`<a class="button secondary full app-link" href="${v.otpauthUri}">${t('enrol.openApp')}</a>` : ''}
</div></li>
<li><h2>${t('enrol.step3Title')}</h2><p>${t('enrol.step3', { title: b.title })}</p>
<form method="post" action="${b.prefix}/enrol">
${hidden(v)}
${codeInput('code', t('enrol.code'), v.error, !!v.error)}
<div class="actions"><button type="submit" class="full">${t('enrol.submit')}</button></div>
</form></li>
</ol>
<hr class="divider">
<p class="muted">${skipNote}</p>
${v.skippable
  ? html`<form method="post" action="${b.prefix}/skip">${hidden(v)}<button type="submit" class="secondary full">${t('enrol.skip')}</button></form>`
  : ''}`;
  return layout(b, t('enrol.title'), body, { scripts: true, medium: true });
}

export interface RecoveryCodesView {
  user: string;
  codes: readonly string[];
  csrf: string;
  rd: string;
}

export function recoveryCodesPage(b: Brand, v: RecoveryCodesView): string {
  const t = b.t;
  const body = html`${badge('list')}
<h1>${t('recovery.title')}</h1>
${account(b, v.user)}
<p class="lead">${t('recovery.intro')}</p>
<ul class="codes" aria-label="${t('recovery.title')}">${v.codes.map((c) => html`<li>${c}</li>`)}</ul>
<div class="actions stack">
<a class="button full" href="${v.rd}">${t('recovery.done')}</a>
<form method="post" action="${b.prefix}/recovery-codes.txt"><input type="hidden" name="csrf" value="${v.csrf}">${v.codes.map((c) => html`<input type="hidden" name="codes" value="${c}">`)}<button type="submit" class="secondary full">${t('recovery.download')}</button></form>
</div>`;
  return layout(b, t('recovery.title'), body);
}

export interface ChallengeView {
  user: string;
  csrf: string;
  rd: string;
  rememberDays: number | null;
  stepUp: boolean;
  error?: string;
}

export function challengePage(b: Brand, v: ChallengeView): string {
  const t = b.t;
  const body = html`${badge('phone')}
<h1>${t('challenge.title')}</h1>
${account(b, v.user)}
${v.stepUp ? html`<p class="notice">${t('challenge.stepUp')}</p>` : ''}
<p class="lead">${t('challenge.intro', { title: b.title })}</p>
<form method="post" action="${b.prefix}/challenge">
${hidden(v)}
${codeInput('code', t('challenge.code'), v.error, true)}
${v.rememberDays ? html`<label class="check"><input type="checkbox" name="remember" value="1"> ${t('challenge.remember', { days: v.rememberDays })}</label>` : ''}
<div class="actions"><button type="submit" class="full">${t('challenge.submit')}</button></div>
</form>
<hr class="divider">
<div class="links">
<p><a href="${b.prefix}/recovery?rd=${encodeURIComponent(v.rd)}">${t('challenge.useRecovery')}</a></p>
${lostDevice(b)}
</div>`;
  return layout(b, t('challenge.title'), body, { scripts: true, footerSupport: false });
}

export interface RecoveryUseView {
  user: string;
  csrf: string;
  rd: string;
  error?: string;
}

export function recoveryUsePage(b: Brand, v: RecoveryUseView): string {
  const t = b.t;
  const body = html`${badge('key')}
<h1>${t('recoveryUse.title')}</h1>
${account(b, v.user)}
<p class="lead">${t('recoveryUse.intro')}</p>
<form method="post" action="${b.prefix}/recovery">
${hidden(v)}
<label for="code">${t('recoveryUse.code')}</label>
<input class="recovery" type="text" id="code" name="code" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="40" required autofocus${v.error ? html` aria-invalid="true" aria-describedby="code-error"` : ''}>
${v.error ? html`<p class="error" id="code-error" role="alert">${v.error}</p>` : ''}
<div class="actions"><button type="submit" class="full">${t('recoveryUse.submit')}</button></div>
</form>
<hr class="divider">
<div class="links">
<p><a href="${b.prefix}/challenge?rd=${encodeURIComponent(v.rd)}">${t('recoveryUse.back')}</a></p>
${lostDevice(b)}
</div>`;
  return layout(b, t('recoveryUse.title'), body, { footerSupport: false });
}

/** `now` turns "after 14:05 UTC" into "in 15 minutes (after 14:05 UTC)": the reader's time zone is unknown to the server. */
export function lockedPage(b: Brand, until: number, now?: number): string {
  const t = b.t;
  const time = html`<time datetime="${new Date(until).toISOString()}">${fmtTime(until, b.locale ?? b.lang)}</time>`;
  const text =
    now === undefined
      ? rich(b, 'locked.intro', { time })
      : rich(b, 'locked.introIn', {
          time,
          when: new Intl.RelativeTimeFormat(b.lang, { numeric: 'always' }).format(Math.max(1, Math.ceil((until - now) / 60_000)), 'minute'),
        });
  const body = html`${badge('clock', 'danger')}
<h1>${t('locked.title')}</h1>
<p class="lead" role="alert">${text}</p>
<p class="muted">${t('locked.notYou', { contact: b.supportContact || t('common.itSupport') })}</p>`;
  return layout(b, t('locked.title'), body, { footerSupport: false });
}

export function messagePage(
  b: Brand,
  title: string,
  message: string,
  link?: { href: string; label: string },
  opts: { tone?: 'info' | 'error' } = {},
): string {
  const icon = opts.tone === 'error' ? badge('alert', 'danger') : badge('info');
  const body = html`${icon}<h1>${title}</h1><p class="lead">${message}</p>${link ? html`<div class="actions"><a class="button" href="${link.href}">${link.label}</a></div>` : ''}`;
  return layout(b, title, body);
}
