/** Response headers every Gatehouse page carries: no framing, no inline code, no caching, no referrer. */
export function pageSecurityHeaders(logoUrl: string): Record<string, string> {
  let img = "'self' data:";
  if (/^https?:\/\//.test(logoUrl)) {
    try {
      img += ' ' + new URL(logoUrl).origin;
    } catch {
      /* invalid logo URLs are rejected by the config schema */
    }
  }
  return {
    'content-security-policy': `default-src 'none'; style-src 'self'; script-src 'self'; img-src ${img}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
  };
}
