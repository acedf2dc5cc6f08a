/**
 * The few pictograms the pages use, as inline SVG markup (allowed by the
 * strict CSP, unlike inline styles). Decorative: hidden from screen readers,
 * since each page's heading says the same thing in words.
 */
import { Html } from './html.js';

const PATHS = {
  shield: '<path d="M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z"/><path d="m9 12 2 2 4-4"/>',
  phone: '<rect x="6" y="2" width="12" height="20" rx="2.5"/><path d="M11 18h2"/>',
  key: '<circle cx="8" cy="15" r="5"/><path d="m11.5 11.5 8.5-8.5"/><path d="m16 7 3 3"/><path d="m14 9 2 2"/>',
  list: '<path d="M15 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V7z"/><path d="M14 2v5h5"/><path d="M8 13h8"/><path d="M8 17h5"/>',
  clock: '<circle cx="12" cy="12" r="10"/><path d="M12 6v6l4 2"/>',
  alert: '<circle cx="12" cy="12" r="10"/><path d="M12 8v4"/><path d="M12 16h.01"/>',
  info: '<circle cx="12" cy="12" r="10"/><path d="M12 16v-4"/><path d="M12 8h.01"/>',
} as const;

export type IconName = keyof typeof PATHS;

/** The round badge at the top of a card. */
export function badge(name: IconName, tone: 'accent' | 'danger' = 'accent'): Html {
  return new Html(
    `<div class="badge${tone === 'danger' ? ' danger' : ''}"><svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" ` +
      `stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${PATHS[name]}</svg></div>`,
  );
}
