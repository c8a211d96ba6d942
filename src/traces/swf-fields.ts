/**
 * The fast path of the SWF reader: the 18 numbers of a plain job line in one scan, without
 * splitting the line or a regex per field. It accepts only what the full parse (`parseSwfLine`)
 * accepts with the same values, and answers undefined for anything else (a non-ASCII character,
 * a wrong field count, a bad or fractional count field, an overflow, a value beyond its field's
 * `maxAbs`): the full parse then gives
 * the answer, or the error naming the field.
 *
 * Whitespace is the ASCII part of what `\s` and `trim` take (tab, LF, VT, FF, CR, space); a pure
 * integer of at most 15 digits is summed digit by digit (exact), any other number goes to `Number`.
 */
export function swfFieldsFast(text: string, count: number, integer: readonly boolean[], maxAbs: readonly number[]): number[] | undefined {
  const out: number[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    let c = text.charCodeAt(i);
    while (c === 32 || (c >= 9 && c <= 13)) c = text.charCodeAt(++i);
    if (i >= n) break;
    if (out.length === count) return undefined;
    const start = i;
    let neg = false;
    if (c === 43 || c === 45) {
      neg = c === 45;
      c = text.charCodeAt(++i);
    }
    const intStart = i;
    let v = 0;
    while (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      c = text.charCodeAt(++i);
    }
    const intDigits = i - intStart;
    let plain = intDigits > 0 && intDigits <= 15;
    let digits = intDigits;
    if (c === 46) {
      plain = false;
      const fracStart = ++i;
      c = text.charCodeAt(i);
      while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
      digits += i - fracStart;
    }
    if (digits === 0) return undefined;
    if (c === 101 || c === 69) {
      plain = false;
      c = text.charCodeAt(++i);
      if (c === 43 || c === 45) c = text.charCodeAt(++i);
      const expStart = i;
      while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
      if (i === expStart) return undefined;
    }
    // The token must end here, at whitespace or the end of the line.
    if (i < n && !(c === 32 || (c >= 9 && c <= 13))) return undefined;
    if (!plain) {
      v = Number(text.slice(start, i));
      if (!Number.isFinite(v) || (integer[out.length] === true && !Number.isInteger(v))) return undefined;
    } else if (neg) v = -v;
    if (Math.abs(v) > (maxAbs[out.length] as number)) return undefined;
    out.push(v);
  }
  return out.length === count ? out : undefined;
}
