/**
 * Identity from headers set by a trusted layer in front (SSO, another proxy),
 * and the hygiene that stops anyone else from setting them.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Header names folded the way some servers fold them: case-insensitive, '_' read as '-'. */
export function foldHeaderName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/**
 * Deletes every header that a server might read as one of `names`, in any
 * spelling (X-Remote-User, x_remote_user, X_REMOTE-USER…). Used on requests
 * from untrusted peers before anything reads or forwards them, and for the
 * underscore spellings even from trusted peers: only the exact name counts.
 */
export function stripHeaders(headers: IncomingHttpHeaders, folded: ReadonlySet<string>, keepExact: boolean): void {
  for (const name of Object.keys(headers)) {
    const f = foldHeaderName(name);
    if (!folded.has(f)) continue;
    if (keepExact && name === f) continue;
    delete headers[name];
  }
}

/** A single plain header value, or null when absent, duplicated or unsafe. */
export function singleValue(v: string | string[] | undefined): string | null {
  if (v === undefined || Array.isArray(v)) return null;
  const s = v.trim();
  // Node joins duplicated x-headers with ", "; a name with a comma or control
  // characters is ambiguous, so it is refused rather than guessed at.
  if (s === '' || s.length > 256 || /[,\u0000-\u001f\u007f]/.test(s)) return null;
  return s;
}

export function listValue(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  const joined = Array.isArray(v) ? v.join(',') : v;
  const out: string[] = [];
  for (const part of joined.split(',')) {
    const s = part.trim();
    if (s && s.length <= 256 && !/[\u0000-\u001f\u007f]/.test(s)) out.push(s);
  }
  return out;
}
