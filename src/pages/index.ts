/** Server-rendered HTML for everything a user or admin sees: escaped, branded from config, translated, no external assets. */
export { esc, html, Html } from './html.js';
export { layout, type Brand, type LayoutOptions } from './layout.js';
export { pickLanguage, pickLocale, translator, type Translate } from './i18n.js';
export { CATALOGUE, LANGS, type Lang, type TextKey } from './catalogue.js';
export { BASE_CSS, themeCss } from './css.js';
export { deriveTheme, contrast, DEFAULT_ACCENT } from './theme.js';
export { badge, type IconName } from './icons.js';
export { PAGE_JS } from './script.js';
export { pageSecurityHeaders } from './security.js';
export * from './views.js';

import type { PolicyConfig } from '../config/types.js';
import { pickLanguage, pickLocale, translator } from './i18n.js';
import type { Brand } from './layout.js';

export function brandFor(pages: PolicyConfig['pages'], prefix: string, acceptLanguage: string | undefined): Brand {
  const lang = pickLanguage(acceptLanguage, pages.language);
  return {
    title: pages.title,
    logoUrl: pages.logoUrl,
    helpUrl: pages.helpUrl,
    supportContact: pages.supportContact,
    prefix,
    lang,
    locale: pickLocale(acceptLanguage, lang),
    t: translator(lang, pages),
  };
}
