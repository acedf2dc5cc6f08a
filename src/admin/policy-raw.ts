/**
 * The policy as an admin writes it (YAML shape: durations as `5m`, not
 * milliseconds), and the key-path diff between two of them. The console's
 * forms and the API's PUT both produce a desired RawPolicy; the diff says
 * which keys to write into the file and what to put in the audit trail.
 */
import { isDeepStrictEqual } from 'node:util';
import { formatDuration, parseDuration, POLICY_KEYS } from '../config/index.js';
import type { PolicyConfig } from '../config/types.js';

export interface RawPolicy {
  twoFactor: {
    enabledFor: { everyone: boolean; users: string[]; groups: string[]; roles: string[] };
    exempt: { users: string[]; groups: string[]; roles: string[] };
    enforce: boolean;
    skip: { gracePeriod: string | null };
    rememberDevices: { enabled: boolean; days: number };
    trustedIps: string[];
    enrolment: { allowFrom: string };
    issuer: string;
    lockout: { maxFailures: number; window: string; duration: string };
    session: { maxAge: string; idleTimeout: string };
    totp: { algorithm: string; digits: number; period: number };
  };
  bypass: string[];
  admin: { users: string[]; groups: string[] };
  pages: {
    title: string;
    helpUrl: string;
    supportContact: string;
    logoUrl: string;
    accentColor: string;
    language: string;
    texts: Record<string, Record<string, string>>;
  };
}

export interface PolicyChange {
  /** `twoFactor.trustedIps`, for people and the audit trail. */
  path: string;
  keyPath: string[];
  old: unknown;
  new: unknown;
}

export function toRawPolicy(p: PolicyConfig): RawPolicy {
  const tf = p.twoFactor;
  return structuredClone({
    twoFactor: {
      enabledFor: { everyone: tf.enabledFor.everyone, users: [...tf.enabledFor.users], groups: [...tf.enabledFor.groups], roles: [...tf.enabledFor.roles] },
      exempt: { users: [...tf.exempt.users], groups: [...tf.exempt.groups], roles: [...tf.exempt.roles] },
      enforce: tf.enforce,
      skip: { gracePeriod: tf.skip.gracePeriodMs === null ? null : formatDuration(tf.skip.gracePeriodMs) },
      rememberDevices: { enabled: tf.rememberDevices.enabled, days: tf.rememberDevices.days },
      trustedIps: [...tf.trustedIps],
      enrolment: { allowFrom: tf.enrolment.allowFrom },
      issuer: tf.issuer,
      lockout: { maxFailures: tf.lockout.maxFailures, window: formatDuration(tf.lockout.windowMs), duration: formatDuration(tf.lockout.durationMs) },
      session: { maxAge: formatDuration(tf.session.maxAgeMs), idleTimeout: formatDuration(tf.session.idleTimeoutMs) },
      totp: { algorithm: tf.totp.algorithm, digits: tf.totp.digits, period: tf.totp.period },
    },
    bypass: [...p.bypass],
    admin: { users: [...p.admin.users], groups: [...p.admin.groups] },
    pages: {
      title: p.pages.title,
      helpUrl: p.pages.helpUrl,
      supportContact: p.pages.supportContact,
      logoUrl: p.pages.logoUrl,
      accentColor: p.pages.accentColor,
      language: p.pages.language,
      texts: p.pages.texts as Record<string, Record<string, string>>,
    },
  });
}

/** Paths compared as a whole: a list, or a map whose keys are data rather than schema. */
const WHOLE_VALUES = new Set(['pages.texts']);
/** `300s` and `5m` are the same setting: not a change worth writing or auditing. */
const DURATIONS = new Set([
  'twoFactor.skip.gracePeriod',
  'twoFactor.lockout.window',
  'twoFactor.lockout.duration',
  'twoFactor.session.maxAge',
  'twoFactor.session.idleTimeout',
]);

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

function same(path: string, a: unknown, b: unknown): boolean {
  if (DURATIONS.has(path) && typeof a === 'string' && typeof b === 'string') {
    const x = parseDuration(a);
    if (x !== null && x === parseDuration(b)) return true;
  }
  return isDeepStrictEqual(a, b);
}

/**
 * Leaf changes from `current` to `desired`, in desired's key order. Keys
 * that only `desired` has (a typo in an API body) are changes too: writing
 * them lets validation name them precisely.
 */
export function diffPolicy(current: unknown, desired: unknown, keyPath: string[] = []): PolicyChange[] {
  const path = keyPath.join('.');
  if (keyPath.length > 0 && (WHOLE_VALUES.has(path) || !isPlain(current) || !isPlain(desired))) {
    return same(path, current, desired) ? [] : [{ path, keyPath, old: current, new: desired }];
  }
  if (!isPlain(desired)) return [];
  const cur = isPlain(current) ? current : {};
  const out: PolicyChange[] = [];
  for (const [k, v] of Object.entries(desired)) {
    if (keyPath.length === 0 && !(POLICY_KEYS as readonly string[]).includes(k)) continue;
    out.push(...diffPolicy(cur[k], v, [...keyPath, k]));
  }
  return out;
}

/**
 * `patch` laid over `base`: mappings merge key by key, anything else
 * (lists, scalars, pages.texts) replaces. This is what PUT /api/policy
 * means: a script sends only the keys it wants to change.
 */
export function mergePatch(base: unknown, patch: unknown, keyPath: string[] = []): unknown {
  if (!isPlain(patch) || !isPlain(base) || WHOLE_VALUES.has(keyPath.join('.'))) return structuredClone(patch);
  const out: Plain = { ...structuredClone(base) };
  for (const [k, v] of Object.entries(patch)) out[k] = mergePatch(base[k], v, [...keyPath, k]);
  return out;
}

/** Sets a value deep in a RawPolicy being edited; forms may put a not-yet-valid value there on purpose. */
export function setAt(target: RawPolicy, keyPath: readonly string[], value: unknown): void {
  let node = target as unknown as Plain;
  for (const k of keyPath.slice(0, -1)) {
    if (!isPlain(node[k])) node[k] = {};
    node = node[k] as Plain;
  }
  node[keyPath[keyPath.length - 1]!] = value;
}

/** Values shown in the audit trail and on the console: short, one line. */
export function showValue(v: unknown): string {
  if (v === undefined) return '(unset)';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
