/**
 * theme.css from `pages.accentColor`. Companies pick the colour of their
 * brand, not one that passes WCAG contrast, so the colours that carry text
 * are derived from it: the text on accent buttons (white or near-black,
 * whichever reads better) and the link colour, darkened on light
 * backgrounds and lightened on dark ones until it reaches 4.5:1.
 */
export const DEFAULT_ACCENT = '#2457c5';

/** The backgrounds links sit on, worst case first (see BASE_CSS). */
const LIGHT_BACKGROUNDS = ['#f3f5f8', '#f6f8fb', '#ffffff'];
const DARK_BACKGROUNDS = ['#1d232d', '#171c24', '#0e1217'];
const INK = '#111418';

type Rgb = [number, number, number];

export function parseHex(hex: string): Rgb | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex);
  if (!m) return null;
  const h = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
}

function toHex(c: Rgb): string {
  return '#' + c.map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('');
}

/** WCAG 2 relative luminance. */
function luminance([r, g, b]: Rgb): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: string, b: string): number {
  const la = luminance(parseHex(a)!);
  const lb = luminance(parseHex(b)!);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function mix(c: Rgb, toward: Rgb, amount: number): Rgb {
  return c.map((v, i) => v + (toward[i]! - v) * amount) as Rgb;
}

/** The accent moved toward black or white just far enough to read at 4.5:1 on every background given. */
function readableOn(accent: string, backgrounds: string[], toward: Rgb): string {
  const base = parseHex(accent)!;
  for (let step = 0; step <= 20; step++) {
    const c = toHex(mix(base, toward, step / 20));
    if (backgrounds.every((bg) => contrast(c, bg) >= 4.5)) return c;
  }
  return toHex(toward);
}

export interface Theme {
  accent: string;
  onAccent: string;
  linkLight: string;
  linkDark: string;
}

export function deriveTheme(accentColor: string): Theme {
  // The config schema only lets #rgb / #rrggbb through; anything else (an
  // older config, a policy pushed to Redis by hand) falls back rather than
  // writing an unchecked string into a stylesheet.
  const accent = parseHex(accentColor) ? accentColor.toLowerCase() : DEFAULT_ACCENT;
  const onAccent = contrast('#ffffff', accent) >= contrast(INK, accent) ? '#ffffff' : INK;
  return {
    accent,
    onAccent,
    linkLight: readableOn(accent, LIGHT_BACKGROUNDS, [0, 0, 0]),
    linkDark: readableOn(accent, DARK_BACKGROUNDS, [255, 255, 255]),
  };
}

export function themeCss(accentColor: string): string {
  const t = deriveTheme(accentColor);
  return (
    `:root{--accent:${t.accent};--on-accent:${t.onAccent};--link:${t.linkLight}}\n` +
    `@media (prefers-color-scheme:dark){:root{--link:${t.linkDark}}}\n`
  );
}
