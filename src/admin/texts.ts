/**
 * The console's texts in every catalogue language. They live beside the
 * console rather than in pages/catalogue.ts: only admins read them, and
 * `pages.texts` rewording is meant for the pages users see.
 */
import type { Lang } from '../pages/index.js';
import { ADMIN_EN, type AdminTextKey } from './texts-en.js';
import { ADMIN_FR } from './texts-fr.js';

export type { AdminTextKey } from './texts-en.js';

// Partial: a language added to the page catalogue falls back to English here until translated.
const TABLES: Partial<Record<Lang, Record<AdminTextKey, string>>> = { en: ADMIN_EN, fr: ADMIN_FR };

export type AdminTranslate = (key: AdminTextKey, vars?: Record<string, string | number>) => string;

export function adminTranslator(lang: Lang): AdminTranslate {
  const table = TABLES[lang] ?? ADMIN_EN;
  return (key, vars) => {
    const template = table[key] ?? ADMIN_EN[key];
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
  };
}
