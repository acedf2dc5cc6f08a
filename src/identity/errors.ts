/** Why an identity could not be resolved; the gate turns it into a 503, never into "anonymous". */
export class IdentityUnavailableError extends Error {
  readonly code = 'GH_ERR_IDENTITY_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdentityUnavailableError';
  }
}
