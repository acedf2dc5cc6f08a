/** Durations as written in the config (`500ms`, `30s`, `15m`, `12h`, `30d`, `1h30m`). */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

// `ms` is listed before `m` so `500ms` is not read as 500 minutes followed by junk.
const WHOLE = /^(?:\d{1,12}(?:ms|s|m|h|d))+$/;
const PART = /(\d{1,12})(ms|s|m|h|d)/g;

export const DURATION_PATTERN = '^(?:[0-9]{1,12}(?:ms|s|m|h|d))+$';

/** Milliseconds, or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  if (!WHOLE.test(text)) return null;
  let total = 0;
  for (const [, n, unit] of text.matchAll(PART)) total += Number(n) * UNIT_MS[unit!]!;
  return Number.isSafeInteger(total) ? total : null;
}

/** The shortest exact spelling of `ms`, for summaries: 1209600000 → `14d`, 5400000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
