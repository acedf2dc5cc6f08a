/** Journeys the console tests share: an admin who has set up two-factor, and reading a console form. */
import { expect } from 'vitest';
import { Browser, inputValue, type Res } from '../helpers/client.js';
import { browserFor, enrol } from '../helpers/flows.js';
import type { Stack } from '../helpers/stack.js';

export const P = '/_gatehouse';

/** Logs `user` in to the intranet and sets up two-factor: the 2FA session is fresh afterwards. */
export async function signedIn(stack: Stack, user = 'admin'): Promise<{ b: Browser; key: string }> {
  const b = browserFor(stack);
  await b.login(user);
  const { key } = await enrol(stack, b, '/');
  return { b, key };
}

export interface ConsolePage {
  res: Res;
  csrf: string;
  version: string;
}

/** GETs a console page, expecting it to be shown, with its CSRF token and form version. */
export async function open(b: Browser, path: string): Promise<ConsolePage> {
  const res = await b.get(`${P}${path}`);
  expect(res.status, `GET ${path}: ${res.location ?? res.body.slice(0, 300)}`).toBe(200);
  return { res, csrf: inputValue(res.body, 'csrf') ?? '', version: inputValue(res.body, 'version') ?? '' };
}

/** The text of the page without tags, for assertions on what an admin reads. */
export function textOf(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ');
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * The fields a browser would submit from the first form posting to `action`
 * (whose HTML contains `containing`, when given): inputs with their values,
 * selects with their selected option.
 */
export function formFields(html: string, action: string, containing = ''): Record<string, string> {
  const forms = [...html.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find((m) => m[1] === action && m[2]!.includes(containing));
  if (!form) throw new Error(`no form posting to ${action}${containing ? ` containing ${containing}` : ''}`);
  const out: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input\b([^>]*)>/g)) {
    const name = /\bname="([^"]*)"/.exec(m[1]!)?.[1];
    if (name) out[name] = unescape(/\bvalue="([^"]*)"/.exec(m[1]!)?.[1] ?? '');
  }
  for (const m of form[2]!.matchAll(/<select\b[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const options = [...m[2]!.matchAll(/<option value="([^"]*)"([^>]*)>/g)];
    const chosen = options.find((o) => /\bselected\b/.test(o[2]!)) ?? options[0];
    out[m[1]!] = unescape(chosen?.[1] ?? '');
  }
  return out;
}
