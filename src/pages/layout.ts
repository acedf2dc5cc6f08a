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
  t: Translate;
}

export function layout(b: Brand, pageTitle: string, body: Html, opts: { wide?: boolean; scripts?: boolean } = {}): string {
  const help = b.helpUrl ? html`<a href="${b.helpUrl}">${b.t('common.help')}</a>` : '';
  const support = b.supportContact ? b.t('common.support', { contact: b.supportContact }) : b.t('common.supportNoContact');
  return (
    '<!doctype html>' +
    html`<html lang="${b.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${pageTitle} · ${b.title}</title>
<meta name="referrer" content="no-referrer">
<link rel="stylesheet" href="${b.prefix}/static/gatehouse.css">
<link rel="stylesheet" href="${b.prefix}/static/theme.css">
${opts.scripts ? html`<script src="${b.prefix}/static/gatehouse.js" defer></script>` : ''}
</head><body>
<header class="brand">${b.logoUrl ? html`<img src="${b.logoUrl}" alt="">` : ''}<span>${b.title}</span></header>
<main class="card${opts.wide ? ' wide' : ''}" id="main">${body}</main>
<footer><p>${support}</p>${help ? html`<p>${help}</p>` : ''}</footer>
</body></html>`.value
  );
}
