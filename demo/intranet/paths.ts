/**
 * How the demo intranet turns a request target into a route: as leniently as
 * the most permissive real upstreams, so that a path trick Gatehouse lets through
 * (`/assets/..%2Fsecret`, `/assets/..;/secret`, `//secret`) really reaches the
 * protected page in integration tests instead of hiding behind a 404.
 */

export interface Target {
  /** The path used for routing, after decoding and dot-segment removal. */
  path: string;
  /** The raw query string without `?` ('' when absent). */
  query: string;
}

// Anything that could make the decoded path differ from the raw one.
const SUSPICIOUS = /%|\\|;|\/\/|\/\.|^[^/]/;

/** The route for a raw request target, or undefined when it cannot be decoded. */
export function parseTarget(raw: string): Target | undefined {
  const q = raw.indexOf('?');
  let path = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? '' : raw.slice(q + 1);
  // Fast path: every ordinary request (and every benchmark request) ends here.
  if (!SUSPICIOUS.test(path)) return { path, query };

  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    // Absolute-form target (RFC 9112 §3.2.2), as sent to forward proxies.
    try {
      path = new URL(path).pathname;
    } catch {
      return undefined;
    }
  } else if (path === '*') {
    return { path, query };
  }
  try {
    // Decoding everything, %2F and %5C included, mimics servers that decode before routing.
    path = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  path = path.replace(/\\/g, '/');
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    let seg = segments[i] ?? '';
    // Tomcat-style path parameters: `/a;jsessionid=x/b` routes as `/a/b`.
    const semi = seg.indexOf(';');
    if (semi !== -1) seg = seg.slice(0, semi);
    const last = i === segments.length - 1;
    if (seg === '' || seg === '.') {
      if (last) out.push('');
      continue;
    }
    if (seg === '..') {
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return { path: '/' + out.join('/'), query };
}

/** One query parameter (the first occurrence), decoded; undefined when absent. */
export function queryParam(query: string, name: string): string | undefined {
  if (query === '') return undefined;
  const v = new URLSearchParams(query).get(name);
  return v === null ? undefined : v;
}
