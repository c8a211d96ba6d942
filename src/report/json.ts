/**
 * JSON for results files: 2-space indented, keys in construction order, non-finite numbers as
 * null (JSON has no Infinity). Deterministic: the same result object gives the same bytes.
 */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}
