/** First index i in the ascending array with arr[i] ≥ v (arr.length if none). */
export function lowerBound(arr: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Insert v into an ascending array, keeping it sorted. */
export function insertSorted(arr: number[], v: number): void {
  arr.splice(lowerBound(arr, v), 0, v);
}

/** Remove v from an ascending array if present. */
export function removeSorted(arr: number[], v: number): void {
  const i = lowerBound(arr, v);
  if (arr[i] === v) arr.splice(i, 1);
}
