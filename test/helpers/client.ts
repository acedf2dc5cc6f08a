/**
 * A browser-like HTTP client for tests: real sockets (undici), a cookie jar,
 * no automatic redirects (tests assert them), HTML form helpers.
 */
import { parseSetCookie } from 'cookie';
import { request } from 'undici';

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  location: string | undefined;
  setCookies: string[];
}

export class Browser {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string, readonly defaultHeaders: Record<string, string> = {}) {}

  cookieHeader(): string | undefined {
    if (this.jar.size === 0) return undefined;
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async send(method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer; form?: Record<string, string | string[]> } = {}): Promise<Res> {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml', ...this.defaultHeaders, ...opts.headers };
    const cookie = this.cookieHeader();
    if (cookie && !('cookie' in (opts.headers ?? {}))) headers.cookie = cookie;
    let body = opts.body;
    if (opts.form) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      body = p.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await request(this.base + path, { method: method as 'GET', headers, body: body ?? null });
    const text = await res.body.text();
    const sc = res.headers['set-cookie'];
    const setCookies = sc === undefined ? [] : Array.isArray(sc) ? sc : [sc];
    for (const line of setCookies) {
      const c = parseSetCookie(line);
      if (c.maxAge === 0 || c.value === '') this.jar.delete(c.name);
      else this.jar.set(c.name, c.value ?? '');
    }
    const loc = res.headers.location;
    return { status: res.statusCode, headers: res.headers, body: text, location: Array.isArray(loc) ? loc[0] : loc, setCookies };
  }

  get(path: string, headers?: Record<string, string>): Promise<Res> {
    return this.send('GET', path, headers ? { headers } : {});
  }

  post(path: string, form: Record<string, string | string[]>, headers?: Record<string, string>): Promise<Res> {
    return this.send('POST', path, { form, ...(headers ? { headers } : {}) });
  }

  /** Logs in to the demo intranet through whatever base this browser talks to. */
  async login(user: string, password = `${user}-pw`): Promise<Res> {
    return this.post('/login', { username: user, password, next: '/' });
  }
}

/** Value of a named hidden/input field in an HTML page. */
export function inputValue(html: string, name: string): string | undefined {
  const re = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`);
  const m = re.exec(html);
  if (m) return decodeEntities(m[1]!);
  const re2 = new RegExp(`<input[^>]*id="${name}"[^>]*value="([^"]*)"`);
  const m2 = re2.exec(html);
  if (m2) return decodeEntities(m2[1]!);
  // Read-only values shown in a <textarea> (the manual key wraps on a phone).
  const re3 = new RegExp(`<textarea[^>]*id="${name}"[^>]*>([^<]*)</textarea>`);
  const m3 = re3.exec(html);
  return m3 ? decodeEntities(m3[1]!) : undefined;
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}

/** Path + query of an absolute Location on Gatehouse's public URL. */
export function pathOf(location: string | undefined): string {
  if (!location) return '';
  const u = new URL(location, 'http://x');
  return u.pathname + u.search;
}
