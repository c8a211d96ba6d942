/**
 * A plain decimal number, /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/ (`Number` alone would also
 * take `0x10`, `Infinity` or ` `), checked by hand: a log has 18 of them a line.
 */
export function isDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) c = s.charCodeAt(++i);
  const intStart = i;
  while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
  let digits = i - intStart;
  if (c === 46) {
    const fracStart = ++i;
    c = s.charCodeAt(i);
    while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
    digits += i - fracStart;
  }
  if (digits === 0) return false;
  if (c === 101 || c === 69) {
    c = s.charCodeAt(++i);
    if (c === 43 || c === 45) c = s.charCodeAt(++i);
    const expStart = i;
    while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
    if (i === expStart) return false;
  }
  return i === n;
}
