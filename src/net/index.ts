/** Request-derived input in one place: the client IP, the normalised path and safe return paths, each derived once per request and never guessed at. */
export { normalisePath, type NormalisedPath } from './path.js';
export { createClientIpResolver, type ClientIpResolver } from './client-ip.js';
export { safeReturnPath, isSafeReturnPath, MAX_RETURN_PATH } from './return-path.js';
export { canonicalIp } from './ip.js';
