/** Picks the page language and fills catalogue texts, with the config's rewording applied. */
import type { PolicyConfig } from '../config/types.js';
import { CATALOGUE, LANGS, type Lang, type TextKey } from './catalogue.js';

export type Translate = (key: TextKey, vars?: Record<string, string | number>) => string;

/** `fr-CA` → `fr` when the catalogue has it; null when it has neither. */
function catalogueLang(tag: string): Lang | null {
  const base = tag.trim().toLowerCase().split('-')[0] ?? '';
  return (LANGS as string[]).includes(base) ? (base as Lang) : null;
}

/**
 * The page language: `pages.language` when set and known, else the best
 * catalogue language in Accept-Language (q-values honoured, q=0 meaning
 * "not this one", ties going to the first listed), else English.
 */
export function pickLanguage(acceptLanguage: string | undefined, forced: string): Lang {
  const configured = forced ? catalogueLang(forced) : null;
  if (configured) return configured;
  if (!acceptLanguage) return 'en';
  let best: Lang = 'en';
  let bestQ = 0;
  // A header is a few dozen bytes; a hostile one is cut rather than parsed in full.
  for (const part of acceptLanguage.slice(0, 512).split(',')) {
    const [tag, ...params] = part.split(';');
    const lang = catalogueLang(tag ?? '');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (lang && Number.isFinite(q) && q > bestQ) {
      best = lang;
      bestQ = q;
    }
  }
  return best;
}

/**
 * The locale for dates and times within the chosen language: the reader's
 * own variant when Accept-Language names one ("18 December 2026, 21:34"
 * for en-GB, "December 18, 2026, 09:34 PM" for en-US), else the language.
 */
export function pickLocale(acceptLanguage: string | undefined, lang: Lang): string {
  for (const part of (acceptLanguage ?? '').slice(0, 512).split(',')) {
    const tag = (part.split(';')[0] ?? '').trim();
    if (catalogueLang(tag) !== lang || !/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(tag)) continue;
    try {
      if (Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0) return tag;
    } catch {
      /* not a well-formed tag after all: keep looking */
    }
  }
  return lang;
}

export function translator(lang: Lang, pages: Pick<PolicyConfig['pages'], 'texts'>): Translate {
  const overrides = pages.texts?.[lang] ?? {};
  const table = CATALOGUE[lang] as Record<string, string>;
  const en = CATALOGUE.en as Record<string, string>;
  return (key, vars) => {
    const template = overrides[key] ?? table[key] ?? en[key] ?? key;
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  };
}
