/**
 * `${VAR}` and `${VAR:-default}` in string values, so secrets can come from the
 * environment instead of sitting in the file. `$${` writes a literal `${`.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  value: string;
  /** True when at least one reference was substituted. */
  substituted: boolean;
  /** Variables referenced without a default and not set. */
  missing: string[];
  /** `${…}` texts that are not valid references (e.g. `${MY-KEY}`, an unclosed `${`). */
  malformed: string[];
}

const TOKEN = /\$\$\{|\$\{([^}]*)(\}|$)/g;
const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

export function interpolate(text: string, env: Env): Interpolated {
  const result: Interpolated = { value: text, substituted: false, missing: [], malformed: [] };
  if (!text.includes('${')) return result;
  result.value = text.replace(TOKEN, (whole: string, body: string | undefined, close: string) => {
    if (whole === '$${') return '${';
    const ref = close === '}' ? REFERENCE.exec(body ?? '') : null;
    if (!ref) {
      result.malformed.push(whole);
      return whole;
    }
    result.substituted = true;
    const name = ref[1]!;
    const fallback = ref[2];
    const value = env[name];
    // Like the shell: `:-` also covers a variable that is set but empty.
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined) {
      result.missing.push(name);
      return '';
    }
    return value;
  });
  return result;
}
