import { isMap, isScalar, type Document, type LineCounter } from 'yaml';

/** 1-based line of the node at `path` in a YAML document (or of its nearest existing parent). */
export function yamlLineOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[], key?: string): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    // An empty (or comment-only) document has no root node: null, not undefined.
    const parent = doc.getIn(path.slice(0, n) as (string | number)[], true) as unknown;
    if (parent === undefined || parent === null) continue;
    if (key !== undefined && n === path.length && isMap(parent)) {
      const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === key);
      const r = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (r) return lc.linePos(r[0]).line;
    }
    const range = (parent as { range?: [number, number, number] }).range;
    if (range) return lc.linePos(range[0]).line;
  }
  return undefined;
}

/** `a.b[2].c` (or `a.b.2.c`) as the path ['a', 'b', 2, 'c'], for `yamlLineOf`. */
export function fieldPath(field: string): (string | number)[] {
  return field.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== '').map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}
