/** Small pieces every console view uses: times, hidden form fields, message boxes, the problem list. */
import { html, type Html } from '../../pages/index.js';

/** `2026-12-04 12:00 UTC`: one zone for every admin and every log line. */
export function fmtTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function fmtDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().slice(0, 10);
}

/** CSRF token (and, for saves, the version the form was rendered from). */
export function hidden(csrf: string, version?: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrf}">${version !== undefined ? html`<input type="hidden" name="version" value="${version}">` : ''}`;
}

export type FlashKind = 'ok' | 'error' | 'notice';

export interface Flash {
  kind: FlashKind;
  text: string;
  /** Precise lines under the text: validation problems, reload errors. */
  lines?: readonly string[];
}

export function flashBox(f: Flash | undefined): Html {
  if (!f) return html``;
  const role = f.kind === 'error' ? 'alert' : 'status';
  return html`<div class="${f.kind}" role="${role}"><p>${f.text}</p>${f.lines && f.lines.length ? html`<ul>${f.lines.map((l) => html`<li>${l}</li>`)}</ul>` : ''}</div>`;
}
