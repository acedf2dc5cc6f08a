/** The page frame shared by every Gatehouse page: branding, language, stylesheet, footer. */
import { html, type Html } from './html.js';
import type { Translate } from './i18n.js';
import type { Lang } from './catalogue.js';

export interface Brand {
  title: string;
  logoUrl: string;
  helpUrl: string;
  supportContact: string;
  prefix: string;
  lang: Lang;
  /** Locale for dates and times (e.g. en-GB within en); the language when absent. */
  locale?: string;
  t: Translate;
}

export interface LayoutOptions {
  /** The admin console's width. */
  wide?: boolean;
  /** Between the narrow sign-in card and the console: enrolment. */
  medium?: boolean;
  /** Loads gatehouse.js (progressive enhancement only: every page works without it). */
  scripts?: boolean;
  /** false on pages whose body already says whom to contact (challenge, recovery, locked). */
  footerSupport?: boolean;
}

export function layout(b: Brand, pageTitle: string, body: Html, opts: LayoutOptions = {}): string {
  const size = opts.wide ? ' wide' : opts.medium ? ' medium' : '';
  const support = b.supportContact && opts.footerSupport !== false ? html`<p>${b.t('common.needHelp', { contact: b.supportContact })}</p>` : '';
  const help = b.helpUrl ? html`<p><a href="${b.helpUrl}">${b.t('common.helpGuide')}</a></p>` : '';
  return (
    '<!doctype html>' +
    html`<html lang="${b.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${pageTitle} · ${b.title}</title>
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex,nofollow">
<link rel="stylesheet" href="${b.prefix}/static/gatehouse.css">
<link rel="stylesheet" href="${b.prefix}/static/theme.css">
${opts.scripts ? html`<script src="${b.prefix}/static/gatehouse.js" defer></script>` : ''}
</head><body>
<header class="brand">${b.logoUrl ? html`<img src="${b.logoUrl}" alt="">` : ''}<span>${b.title}</span></header>
<main class="card${size}" id="main">${body}</main>
${support || help ? html`<footer>${support}${help}</footer>` : ''}
</body></html>`.value
  );
}
