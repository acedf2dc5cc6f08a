/** Formatting for reason strings: dates in UTC so every replica and log agrees. */

/** `2027-01-03`; never throws, even for a corrupt timestamp. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? 'an invalid date' : d.toISOString().slice(0, 10);
}

/** `2027-01-03T10:04:05Z`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? 'an invalid time' : `${d.toISOString().slice(0, 19)}Z`;
}

/** The largest whole unit, as in the config: `12h`, `30d`, `90s`. */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
