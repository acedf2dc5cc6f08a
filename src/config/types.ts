/**
 * The effective, validated configuration every other module consumes.
 *
 * The YAML contract (DESIGN section 8) is parsed and validated by `load.ts`
 * against `schema.ts`; what comes out is this shape: durations already in
 * milliseconds, defaults filled in, the whole object deep-frozen. Modules
 * never see raw YAML.
 */

export type Extractor =
  | { json: string }
  | { header: string }
  | { regex: string };

export interface ScopeLists {
  users: readonly string[];
  groups: readonly string[];
  roles: readonly string[];
}

export interface PolicyConfig {
  twoFactor: {
    enabledFor: ScopeLists & { everyone: boolean };
    exempt: ScopeLists;
    enforce: boolean;
    skip: {
      /** ms after the first prompt during which skipping is allowed; null = forever. */
      gracePeriodMs: number | null;
    };
    rememberDevices: { enabled: boolean; days: number };
    /** IPs / CIDRs as written in the config (validated). */
    trustedIps: readonly string[];
    enrolment: { allowFrom: 'anywhere' | 'trustedIps' };
    issuer: string;
    lockout: { maxFailures: number; windowMs: number; durationMs: number };
    session: { maxAgeMs: number; idleTimeoutMs: number };
    totp: { algorithm: 'sha1' | 'sha256' | 'sha512'; digits: 6 | 8; period: number };
  };
  /** Path patterns forwarded without a second factor: `/login`, `/assets/**`. */
  bypass: readonly string[];
  admin: { users: readonly string[]; groups: readonly string[] };
  pages: {
    title: string;
    helpUrl: string;
    supportContact: string;
    logoUrl: string;
    accentColor: string;
    /** '' = pick from Accept-Language; otherwise a catalogue language code. */
    language: string;
    /** Per-language overrides of catalogue texts: { en: { 'challenge.title': '…' } }. */
    texts: Readonly<Record<string, Readonly<Record<string, string>>>>;
  };
}

export interface GatehouseConfig extends PolicyConfig {
  /** Absolute path of the file this was loaded from ('' when built in code). */
  file: string;
  server: {
    listen: { host: string; port: number };
    publicUrl: string;
    prefix: string;
    dataDir: string;
    workers: number;
    tls: { cert: string; key: string } | null;
    shutdownTimeoutMs: number;
  };
  upstream: {
    url: string;
    timeoutMs: number;
    connections: number;
  };
  network: { trustedProxies: readonly string[] };
  identity: {
    source: 'lookup' | 'header';
    /** The intranet's session cookie; '' when the intranet uses HTTP Basic. */
    sessionCookie: string;
    header: { user: string; groups: string; roles: string };
    lookup: {
      path: string;
      user: Extractor;
      groups: Extractor | null;
      roles: Extractor | null;
      cacheTtlMs: number;
      timeoutMs: number;
      /** Upstream statuses that mean "not logged in". */
      anonymousStatuses: readonly number[];
    };
  };
  store: {
    type: 'sqlite' | 'redis';
    redis: { url: string; keyPrefix: string };
  };
  policy: { source: 'file' | 'redis' };
  secrets: {
    /** Newest first; the first signs, all verify. Filled from dataDir when empty. */
    cookieKeys: readonly string[];
    /** 32 bytes as base64 or hex; filled from dataDir when empty. */
    encryptionKey: string;
    /** Older keys that can still decrypt (rotation). */
    previousEncryptionKeys: readonly string[];
  };
  api: { tokens: readonly { name: string; token: string }[] };
  metrics: { listen: string };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; access: boolean };
}
