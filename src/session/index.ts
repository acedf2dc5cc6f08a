/** Signed cookies that carry Gatehouse's own state in the browser: the 2FA session, the remembered device, "skip for now" and the pending enrolment. */
export { createCookieJar, COOKIE, type CookieJar, type CookieOptions } from './cookies.js';
export { readGatehouseCookies, stripGatehouseCookies } from './parse.js';
export { csrfToken, checkCsrf } from './csrf.js';
