/**
 * The user-facing pages. Each takes a view model and returns HTML; none of
 * them knows about policy, the store or HTTP (STYLE 8).
 */
import { html, Html } from './html.js';
import { layout, type Brand } from './layout.js';

const fmtDate = (ms: number, lang: string) =>
  new Date(ms).toLocaleDateString(lang, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
const fmtTime = (ms: number, lang: string) =>
  new Date(ms).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });

function account(b: Brand, user: string): Html {
  return html`<p class="account">${b.t('common.signedInAs', { title: b.title, user })}</p>`;
}

function codeInput(id: string, label: string, error: string | undefined): Html {
  // type=text + inputmode=numeric rather than type=number: keeps leading zeros,
  // accepts pasted "123 456", and lets authenticator autofill work.
  return html`<label for="${id}">${label}</label>
<input class="code" type="text" id="${id}" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="12" required autofocus${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
${error ? html`<p class="error" id="${id}-error" role="alert">${error}</p>` : ''}`;
}

export interface EnrolView {
  user: string;
  qrSvg: string;
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
      ? t('enrol.skipUntil', { date: fmtDate(v.skipDeadline, b.lang) })
      : t('enrol.skipForever')
    : v.graceEndedAt
      ? t('enrol.graceEnded', { date: fmtDate(v.graceEndedAt, b.lang) })
      : t('enrol.mustNow');
  const body = html`<h1>${t('enrol.title')}</h1>
${account(b, v.user)}
<p>${t('enrol.why', { title: b.title })}${b.helpUrl ? html` <a href="${b.helpUrl}">${t('common.help')}</a>` : ''}</p>
<ol class="steps">
<li>${t('enrol.step1')}</li>
<li>${t('enrol.step2')}
<div class="qr" role="img" aria-label="QR code">${new Html(v.qrSvg)}</div>
<details><summary>${t('enrol.manual')}</summary>
<label for="manual-key" class="visually-hidden">${t('enrol.manual')}</label>
<input class="key" id="manual-key" type="text" readonly value="${v.manualKey}" data-copy>
<p><button type="button" class="secondary" data-copy-target="manual-key" hidden>${t('enrol.copy')}</button></p>
</details></li>
<li>${t('enrol.step3')}</li>
</ol>
<form method="post" action="${b.prefix}/enrol">
<input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="rd" value="${v.rd}">
${codeInput('code', t('enrol.code'), v.error)}
<div class="actions"><button type="submit" class="full">${t('enrol.submit')}</button></div>
</form>
<p class="muted">${skipNote}</p>
${v.skippable
  ? html`<form method="post" action="${b.prefix}/skip"><input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="rd" value="${v.rd}"><button type="submit" class="secondary full">${t('enrol.skip')}</button></form>`
  : ''}`;
  return layout(b, t('enrol.title'), body, { scripts: true });
}

export interface RecoveryCodesView {
  user: string;
  codes: readonly string[];
  csrf: string;
  rd: string;
}

export function recoveryCodesPage(b: Brand, v: RecoveryCodesView): string {
  const t = b.t;
  const body = html`<h1>${t('recovery.title')}</h1>
${account(b, v.user)}
<p>${t('recovery.intro')}</p>
<ul class="codes" aria-label="${t('recovery.title')}">${v.codes.map((c) => html`<li>${c}</li>`)}</ul>
<div class="actions">
<form method="post" action="${b.prefix}/recovery-codes.txt"><input type="hidden" name="csrf" value="${v.csrf}">${v.codes.map((c) => html`<input type="hidden" name="codes" value="${c}">`)}<button type="submit" class="secondary">${t('recovery.download')}</button></form>
<a class="button" href="${v.rd}">${t('recovery.done')}</a>
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
  const body = html`<h1>${t('challenge.title')}</h1>
${account(b, v.user)}
${v.stepUp ? html`<p class="notice">${t('challenge.stepUp')}</p>` : ''}
<p>${t('challenge.intro', { title: b.title })}</p>
<form method="post" action="${b.prefix}/challenge">
<input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="rd" value="${v.rd}">
${codeInput('code', t('challenge.code'), v.error)}
${v.rememberDays ? html`<label class="check"><input type="checkbox" name="remember" value="1"> ${t('challenge.remember', { days: v.rememberDays })}</label>` : ''}
<div class="actions"><button type="submit" class="full">${t('challenge.submit')}</button></div>
</form>
<p><a href="${b.prefix}/recovery?rd=${encodeURIComponent(v.rd)}">${t('challenge.useRecovery')}</a></p>`;
  return layout(b, t('challenge.title'), body);
}

export interface RecoveryUseView {
  user: string;
  csrf: string;
  rd: string;
  error?: string;
}

export function recoveryUsePage(b: Brand, v: RecoveryUseView): string {
  const t = b.t;
  const body = html`<h1>${t('recoveryUse.title')}</h1>
${account(b, v.user)}
<p>${t('recoveryUse.intro')}</p>
<form method="post" action="${b.prefix}/recovery">
<input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="rd" value="${v.rd}">
<label for="code">${t('recoveryUse.code')}</label>
<input type="text" id="code" name="code" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="40" required autofocus${v.error ? html` aria-invalid="true" aria-describedby="code-error"` : ''}>
${v.error ? html`<p class="error" id="code-error" role="alert">${v.error}</p>` : ''}
<div class="actions"><button type="submit" class="full">${t('recoveryUse.submit')}</button></div>
</form>
<p><a href="${b.prefix}/challenge?rd=${encodeURIComponent(v.rd)}">${t('recoveryUse.back')}</a></p>`;
  return layout(b, t('recoveryUse.title'), body);
}

export function lockedPage(b: Brand, until: number): string {
  const t = b.t;
  const body = html`<h1>${t('locked.title')}</h1>
<p role="alert">${t('locked.intro', { time: fmtTime(until, b.lang) })}</p>`;
  return layout(b, t('locked.title'), body);
}

export function messagePage(b: Brand, title: string, message: string, link?: { href: string; label: string }): string {
  const body = html`<h1>${title}</h1><p>${message}</p>${link ? html`<p><a class="button" href="${link.href}">${link.label}</a></p>` : ''}`;
  return layout(b, title, body);
}
