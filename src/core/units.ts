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

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const a = Math.abs(seconds);
  if (a < 1) return `${(seconds * 1000).toFixed(0)}ms`;
  if (a < 120) return `${seconds.toFixed(1)}s`;
  if (a < 7200) return `${(seconds / 60).toFixed(1)}m`;
  if (a < 172800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86400).toFixed(1)}d`;
}
