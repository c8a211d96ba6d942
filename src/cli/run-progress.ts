/**
 * How far `drs run` is, for its progress bar: strategies run one after another over the same
 * requests, so the whole run is (strategies done + the current one's share) ÷ strategies. The
 * current one's share is its simulated time over the scenario's horizon; without a horizon the
 * trace's end is unknown until the first strategy has read it all, and from the second strategy on
 * it is the requests that arrived so far over the first strategy's (the same trace, the same
 * requests). Undefined while it cannot be known: the bar then shows what ran so far, not 0 %.
 */
export function runProgress(strategies: number, horizon: number | undefined): (strategy: number, arrivals: number, now: number) => number | undefined {
  let firstArrivals = 0;
  return (i, arrivals, now) => {
    let within: number | undefined;
    if (horizon !== undefined && horizon > 0) within = Math.min(1, now / horizon);
    else if (i === 0) firstArrivals = arrivals;
    else if (firstArrivals > 0) within = Math.min(1, arrivals / firstArrivals);
    return within === undefined ? undefined : (i + within) / strategies;
  };
}
