/** Picks the page language and fills catalogue texts, with the config's rewording applied. */
import type { PolicyConfig } from '../config/types.js';
import { CATALOGUE, LANGS, type Lang, type TextKey } from './catalogue.js';

export type Translate = (key: TextKey, vars?: Record<string, string | number>) => string;

/** The best catalogue language for an Accept-Language header (q-values honoured). */
export function pickLanguage(acceptLanguage: string | undefined, forced: string): Lang {
  if (forced && (LANGS as string[]).includes(forced)) return forced as Lang;
  if (!acceptLanguage) return 'en';
  let best: Lang = 'en';
  let bestQ = -1;
  for (const part of acceptLanguage.slice(0, 512).split(',')) {
    const [tag, ...params] = part.trim().split(';');
    const base = (tag ?? '').trim().toLowerCase().split('-')[0] ?? '';
    const qParam = params.find((p) => p.trim().startsWith('q='));
    const q = qParam ? Number(qParam.trim().slice(2)) : 1;
    if ((LANGS as string[]).includes(base) && Number.isFinite(q) && q > bestQ) {
      best = base as Lang;
      bestQ = q;
    }
  }
  return best;
}

export function translator(lang: Lang, pages: PolicyConfig['pages']): Translate {
  const overrides = pages.texts[lang] ?? {};
  const table = CATALOGUE[lang] as Record<string, string>;
  const en = CATALOGUE.en as Record<string, string>;
  return (key, vars) => {
    const template = overrides[key] ?? table[key] ?? en[key] ?? key;
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  };
}
