/**
 * The pages module without a browser: the catalogue is complete in every
 * language, the language is picked as a user expects, a company's rewording
 * cannot inject markup, the derived colours stay readable, and no page
 * needs anything the strict CSP forbids.
 */
import { describe, expect, it } from 'vitest';
import type { GatehouseConfig } from '../../src/config/types.js';
import {
  brandFor,
  CATALOGUE,
  challengePage,
  contrast,
  deriveTheme,
  enrolPage,
  LANGS,
  lockedPage,
  messagePage,
  pickLanguage,
  pickLocale,
  recoveryCodesPage,
  recoveryUsePage,
  rich,
  themeCss,
  translator,
  type Brand,
  type Lang,
} from '../../src/pages/index.js';

type Pages = GatehouseConfig['pages'];
const PAGES: Pages = {
  title: 'Acme',
  helpUrl: 'https://intranet.example/help',
  supportContact: 'the IT desk',
  logoUrl: '/logo.svg',
  accentColor: '#2457c5',
  language: '',
  texts: {},
};

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogue', () => {
  const en = CATALOGUE.en as Record<string, string>;

  it('should have at least English and one other language', () => {
    expect(LANGS).toContain('en');
    expect(LANGS.length).toBeGreaterThanOrEqual(2);
  });

  for (const lang of LANGS) {
    describe(lang, () => {
      const table = CATALOGUE[lang] as Record<string, string>;
      it('should have every English key, and no key English lacks', () => {
        expect(Object.keys(table).filter((k) => !(k in en)), 'keys only in ' + lang).toEqual([]);
        expect(Object.keys(en).filter((k) => !(k in table)), 'keys missing from ' + lang).toEqual([]);
      });
      it('should have a non-empty text for every key', () => {
        expect(Object.entries(table).filter(([, v]) => v.trim() === '').map(([k]) => k)).toEqual([]);
      });
      it('should use the same {placeholders} as English in every text', () => {
        const wrong = Object.keys(en).filter((k) => k in table && placeholders(table[k]!).join() !== placeholders(en[k]!).join());
        expect(wrong).toEqual([]);
      });
    });
  }
});

describe('pickLanguage', () => {
  const cases: [string | undefined, string, Lang][] = [
    [undefined, '', 'en'],
    ['', '', 'en'],
    ['fr-FR,fr;q=0.9,en;q=0.8', '', 'fr'],
    ['en-GB,en;q=0.9,fr;q=0.8', '', 'en'],
    ['de-DE,de;q=0.9,fr;q=0.7,en;q=0.5', '', 'fr'],
    ['de-DE', '', 'en'],
    ['en;q=0.3, fr;q=0.6', '', 'fr'],
    ['fr;q=0, en', '', 'en'],
    ['fr;q=0', '', 'en'],
    ['FR-ca', '', 'fr'],
    ['*', '', 'en'],
    ['fr;q=abc', '', 'en'],
    ['fr-FR', 'en', 'en'],
    ['en-US', 'fr', 'fr'],
    ['en-US', 'fr-CA', 'fr'],
    ['fr-FR', 'de', 'fr'],
  ];
  for (const [header, forced, want] of cases) {
    it(`should pick ${want} for Accept-Language ${JSON.stringify(header)} with pages.language ${JSON.stringify(forced)}`, () => {
      expect(pickLanguage(header, forced)).toBe(want);
    });
  }

  it('should read only the start of a huge header (a real one is a few dozen bytes)', () => {
    expect(pickLanguage('fr,' + 'xx;q=0.1,'.repeat(100_000), '')).toBe('fr');
    expect(pickLanguage('xx;q=0.1,'.repeat(100_000) + 'fr', '')).toBe('en');
  });

  it('should format dates in the reader’s variant of the language', () => {
    expect(pickLocale('en-GB,en;q=0.9', 'en')).toBe('en-GB');
    expect(pickLocale('fr-CA,en;q=0.5', 'en')).toBe('en');
    expect(pickLocale('fr-CA', 'fr')).toBe('fr-CA');
    expect(pickLocale(undefined, 'fr')).toBe('fr');
  });
});

describe('translator', () => {
  it('should fill placeholders and leave unknown ones as they are', () => {
    const t = translator('en', PAGES);
    expect(t('challenge.remember', { days: 30 })).toBe('Remember this device for 30 days');
    expect(t('challenge.remember')).toBe('Remember this device for {days} days');
  });

  it('should prefer the config’s wording for that language only', () => {
    const pages = { ...PAGES, texts: { fr: { 'challenge.title': 'Votre code Acme' } } };
    expect(translator('fr', pages)('challenge.title')).toBe('Votre code Acme');
    expect(translator('en', pages)('challenge.title')).toBe('Enter your code');
  });

  it('should escape a reworded text, even one with placeholders filled by HTML', () => {
    const b = brandFor({ ...PAGES, texts: { en: { 'common.signedInAs': '<b>{user}</b> @ {title}' } } }, '/_gatehouse', 'en');
    const out = rich(b, 'common.signedInAs', { user: 'alice', title: '<Acme>' }).value;
    expect(out).toBe('&lt;b&gt;alice&lt;/b&gt; @ &lt;Acme&gt;');
  });
});

describe('theme', () => {
  const accents = ['#2457c5', '#ffffff', '#000000', '#f5c400', '#00ff00', '#e11d48', '#0f766e', '#777', '#123456', '#ffe4e6'];
  for (const accent of accents) {
    it(`should derive readable colours from ${accent}`, () => {
      const t = deriveTheme(accent);
      expect(contrast(t.onAccent, t.accent)).toBeGreaterThanOrEqual(accent === '#777' ? 4 : 4.5);
      for (const bg of ['#ffffff', '#f3f5f8', '#f6f8fb']) expect(contrast(t.linkLight, bg)).toBeGreaterThanOrEqual(4.5);
      for (const bg of ['#171c24', '#0e1217', '#1d232d']) expect(contrast(t.linkDark, bg)).toBeGreaterThanOrEqual(4.5);
    });
  }

  it('should never write an unchecked string into the stylesheet', () => {
    expect(themeCss('red;}body{display:none')).not.toContain('display:none');
    expect(themeCss('red;}body{display:none')).toContain('--accent:#2457c5');
  });
});

/** Every page with every optional part switched on, in one language. */
function allPages(b: Brand): Record<string, string> {
  const common = { user: 'alice', csrf: 'tok', rd: '/reports' };
  const until = Date.UTC(2026, 11, 4, 12, 15);
  return {
    enrol: enrolPage(b, {
      ...common,
      qrSvg: '<svg role="img" focusable="false" viewBox="0 0 1 1"></svg>',
      otpauthUri: 'otpauth://totp/Acme:alice?secret=AAAA',
      manualKey: 'AAAA BBBB',
      skippable: true,
      skipDeadline: until,
      graceEndedAt: null,
      error: b.t('enrol.wrongCode'),
    }),
    enrolMandatory: enrolPage(b, { ...common, qrSvg: '<svg role="img"></svg>', manualKey: 'AAAA', skippable: false, skipDeadline: null, graceEndedAt: until }),
    recoveryCodes: recoveryCodesPage(b, { ...common, codes: ['abcd-efgh-jk', 'mnpq-rstv-wx'] }),
    challenge: challengePage(b, { ...common, rememberDays: 30, stepUp: true, error: b.t('challenge.wrong') }),
    recoveryUse: recoveryUsePage(b, { ...common, error: b.t('recoveryUse.wrong') }),
    locked: lockedPage(b, until, until - 15 * 60_000),
    lockedNoNow: lockedPage(b, until),
    message: messagePage(b, b.t('error.title'), b.t('error.404'), { href: '/', label: b.t('error.retry') }, { tone: 'error' }),
  };
}

describe('rendered pages', () => {
  it('should need nothing the CSP forbids: no inline script, style element or style attribute', () => {
    for (const [name, page] of Object.entries(allPages(brandFor(PAGES, '/_gatehouse', 'en')))) {
      expect(page, name).not.toMatch(/<script(?![^>]*\ssrc=)/);
      expect(page, name).not.toMatch(/<style/);
      expect(page, name).not.toMatch(/\sstyle=/);
      expect(page, name).not.toMatch(/\son[a-z]+=/);
    }
  });

  it('should label every visible input', () => {
    for (const [name, page] of Object.entries(allPages(brandFor(PAGES, '/_gatehouse', 'en')))) {
      for (const m of page.matchAll(/<(input|textarea)\b[^>]*>/g)) {
        const tag = m[0];
        if (/type="hidden"/.test(tag)) continue;
        const id = /\sid="([^"]+)"/.exec(tag)?.[1];
        const labelled = (id && page.includes(`for="${id}"`)) || /<label[^>]*>[^<]*$/.test(page.slice(0, m.index));
        expect(labelled, `${name}: ${tag}`).toBeTruthy();
      }
    }
  });

  it('should take every text from the catalogue: a French page has no English sentence in it', () => {
    const en = Object.values(CATALOGUE.en as Record<string, string>)
      .map((v) => v.split(/\{\w+\}/)[0]!.trim())
      .filter((v) => v.length >= 12);
    const fr = new Set(Object.values(CATALOGUE.fr as Record<string, string>));
    const pages = allPages(brandFor(PAGES, '/_gatehouse', 'fr'));
    for (const [name, page] of Object.entries(pages)) {
      const text = page.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      const english = en.filter((s) => text.includes(s) && ![...fr].some((f) => f.includes(s)));
      expect(english, name).toEqual([]);
      expect(page, name).toContain('<html lang="fr">');
    }
  });

  it('should say on the challenge page which account the code is for', () => {
    const page = allPages(brandFor(PAGES, '/_gatehouse', 'en')).challenge!;
    expect(page).toContain('Signed in to Acme as <strong>alice</strong>');
  });

  it('should name the four apps and link the help page on the enrolment page', () => {
    const page = allPages(brandFor(PAGES, '/_gatehouse', 'en')).enrol!;
    for (const app of ['Google Authenticator', 'Microsoft Authenticator', 'Duo Mobile', 'Authy']) expect(page).toContain(app);
    expect(page).toContain('href="https://intranet.example/help"');
    expect(page).toContain('autocomplete="one-time-code"');
    expect(page).toContain('inputmode="numeric"');
  });
});
