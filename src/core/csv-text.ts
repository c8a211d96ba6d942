/**
 * What the CSV readers (src/traces, src/predict) say about a file csv-parse could not read: its
 * error without the offending field it quotes (for binary data, a screen of noise), and whether
 * that field is binary data rather than text, with the usual cause.
 */

/** What a CSV reader met, and its usual cause. */
export const BINARY_CSV = 'binary data, not CSV text';
export const GZIP_NAME_HINT = 'a gzip-compressed file needs a name ending in .gz';

/** Control characters no text CSV holds (tab, line ends and form feed aside), or bytes that are not UTF-8. */
export function isBinaryText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 9 || (c > 13 && c < 27) || c === 0xfffd) return true;
  }
  return false;
}

/** A csv-parse error's message without the field it quotes (`…, value is "…"`). */
export function csvParseMessage(message: string): string {
  return message.replace(/, value is [\s\S]*$/, '');
}
