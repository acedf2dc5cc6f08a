/**
 * Every error Gatehouse answers with, in one registry (like Fastify's
 * FST_ERR_*): a stable code, the HTTP status and the page text key. Domain
 * code throws or returns these codes; only the HTTP edge turns them into
 * responses. docs/errors.md lists them and a test keeps the two in sync.
 */
import type { TextKey } from './pages/catalogue.js';

export interface ErrorSpec {
  status: number;
  text: TextKey;
  /** One line for docs/errors.md and JSON answers. */
  description: string;
}

export const ERRORS = {
  GH_ERR_BAD_PATH: { status: 400, text: 'error.400', description: 'The request path could be read differently by the upstream (encoded slash or dot segment, backslash, bad escape); refused rather than guessed at.' },
  GH_ERR_CSRF: { status: 403, text: 'error.csrf', description: 'A form was posted without a valid CSRF token for this intranet session.' },
  GH_ERR_FORBIDDEN: { status: 403, text: 'error.403', description: 'The identity is not allowed here (console without admin rights, enrolment from an untrusted network).' },
  GH_ERR_NOT_FOUND: { status: 404, text: 'error.404', description: 'No Gatehouse page at this address (paths under the prefix are never forwarded).' },
  GH_ERR_SECOND_FACTOR_REQUIRED: { status: 401, text: 'challenge.title', description: 'The request needs a verified second factor; browsers are redirected to the challenge page instead.' },
  GH_ERR_ENROLMENT_REQUIRED: { status: 401, text: 'enrol.title', description: 'The user must set up two-factor first; browsers are redirected to the enrolment page instead.' },
  GH_ERR_LOCKED: { status: 429, text: 'locked.title', description: 'Too many wrong codes: code entry is locked until the time given.' },
  GH_ERR_NOT_LOGGED_IN: { status: 401, text: 'error.403', description: 'A Gatehouse page needs an intranet login first.' },
  GH_ERR_TOO_LARGE: { status: 413, text: 'error.413', description: 'A form post to Gatehouse was larger than its limit.' },
  GH_ERR_UPSTREAM: { status: 502, text: 'error.502', description: 'The intranet could not be reached or broke the connection.' },
  GH_ERR_UPSTREAM_TIMEOUT: { status: 504, text: 'error.504', description: 'The intranet did not answer within upstream.timeout.' },
  GH_ERR_IDENTITY_UNAVAILABLE: { status: 503, text: 'error.503', description: 'The identity look-up failed (intranet down, timeout, unexpected answer): fail closed, nothing forwarded.' },
  GH_ERR_STORE_UNAVAILABLE: { status: 503, text: 'error.503', description: 'The state store (SQLite or Redis) is unreachable: requests that need it are not forwarded.' },
  GH_ERR_UNAUTHORIZED_API: { status: 401, text: 'error.403', description: 'The JSON API needs a valid bearer token.' },
  GH_ERR_CONFLICT: { status: 409, text: 'error.title', description: 'The configuration changed since the form was loaded (another admin saved); reload and retry.' },
  GH_ERR_INVALID_CONFIG: { status: 422, text: 'error.title', description: 'The submitted configuration is invalid; nothing was written and the running policy stays in force.' },
  GH_ERR_INTERNAL: { status: 500, text: 'error.title', description: 'An unexpected error; details are in the log under the request id.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class GatehouseError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERRORS[code].description, options);
    this.name = 'GatehouseError';
    this.status = ERRORS[code].status;
  }
}

/** docs/errors.md, generated from the registry (a test keeps the file in sync). */
export function renderErrorsDoc(): string {
  const rows = Object.entries(ERRORS).map(([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.description} |`);
  return [
    '# Errors',
    '',
    'Every answer Gatehouse gives instead of the intranet\'s has one of these codes:',
    'in the JSON body (`{"error": "GH_ERR_…"}`) for API clients, and in the log for',
    'pages shown to people (who see one plain sentence instead). Generated from',
    '`src/errors.ts`.',
    '',
    '| Code | HTTP status | Meaning |',
    '|------|-------------|---------|',
    ...rows,
    '',
  ].join('\n');
}
