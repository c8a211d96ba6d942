/**
 * Units accepted in scenario and config files. Durations are seconds internally; a string may
 * carry a unit (`90s`, `5m`, `1.5h`, `2d`, `250ms`). Memory-like quantities may carry binary or
 * decimal suffixes (`16Gi`, `512Mi`, `2G`) and are converted to the scenario's memory unit (GiB).
 */
const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parse `300`, `300s`, `5m`, `1.5h`, `250ms` to seconds. Returns undefined if not a duration. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = (m[2] ?? 's').toLowerCase();
  return finite(Number(m[1]) * (DURATION_UNITS[unit] as number));
}

const QUANTITY_UNITS: Record<string, number> = {
  '': 1,
  Ki: 1 / 1024 ** 2,
  Mi: 1 / 1024,
  Gi: 1,
  Ti: 1024,
  K: 1e3 / 1024 ** 3,
  M: 1e6 / 1024 ** 3,
  G: 1e9 / 1024 ** 3,
  T: 1e12 / 1024 ** 3,
  m: 0.001,
};

/**
 * Parse a quantity: a plain number, a Kubernetes-style memory quantity (converted to GiB), or a
 * milli-quantity (`500m` = 0.5, as for CPU). Returns undefined if it is not a quantity.
 */
export function parseQuantity(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T|m)?\s*$/.exec(v);
  if (!m) return undefined;
  return finite(Number(m[1]) * (QUANTITY_UNITS[m[2] ?? ''] as number));
}

/** `"1e400"` overflows to Infinity: not an amount a file can mean, so not a duration or quantity. */
function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The bands formatDuration prints: a unit's size in seconds, its suffix, digits, and the
 * magnitude (in seconds) from which the next band takes over: ms below 1 s, seconds below 2 min,
 * minutes below 2 h, hours below 2 days, then days.
 */
const DURATION_BANDS: readonly { size: number; suffix: string; digits: number; below: number }[] = [
  { size: 0.001, suffix: 'ms', digits: 0, below: 1 },
  { size: 1, suffix: 's', digits: 1, below: 120 },
  { size: 60, suffix: 'm', digits: 1, below: 7200 },
  { size: 3600, suffix: 'h', digits: 1, below: 172_800 },
  { size: 86_400, suffix: 'd', digits: 1, below: Infinity },
];

/**
 * A duration for notes and messages. A value that rounds, as printed, to the next band's start is
 * printed in that band: 119.96 s is "2.0m" as 120 s is, not "120.0s" (likewise 0.9996 s is "1.0s",
 * not "1000ms"). A negative value (a slack that ran out, a lead that is late) is its magnitude
 * with a minus sign, "-2.0m"; one that rounds to zero is "0ms", without a sign.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const a = Math.abs(seconds);
  const printed = (b: (typeof DURATION_BANDS)[number]): string => (a / b.size).toFixed(b.digits);
  const band = DURATION_BANDS.find((b) => Number(printed(b)) * b.size < b.below && a < b.below) ?? (DURATION_BANDS[DURATION_BANDS.length - 1] as (typeof DURATION_BANDS)[number]);
  const text = printed(band);
  return `${seconds < 0 && Number(text) !== 0 ? '-' : ''}${text}${band.suffix}`;
}
