/** A number JSON cannot write, as YAML writes it (`.inf`, `-.inf`, `.nan`); undefined for any other value. */
function nonFinite(v: unknown): string | undefined {
  if (typeof v !== 'number' || Number.isFinite(v)) return undefined;
  return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
}

/**
 * JSON with object keys sorted at every level: equal data gives equal text, whatever the key order.
 * A number JSON cannot write is its bare YAML word (`.inf`, `-.inf`, `.nan`), not JSON's `null`:
 * `[.inf, .nan]` were one value given twice, and .inf and null one cell hash.
 */
export function canonicalJson(v: unknown): string {
  const odd = nonFinite(v);
  if (odd !== undefined) return odd;
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** A value of a sweep file for a message: JSON, but a number JSON cannot write as YAML writes it (`.inf`). */
export function shownValue(v: unknown): string {
  return nonFinite(v) ?? JSON.stringify(v) ?? String(v);
}
