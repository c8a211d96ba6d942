/*
 * How far ahead a predictive policy's forecast may reach, in bins: the one rule the registry
 * checks an explicit leadSeconds by when the options are read, and the policy a lead by at run
 * time (a pool's boot + intervalSeconds), with one message for both.
 */

/**
 * The most bins a forecast is asked for. A lead of more (leadSeconds 1e300, or a pool's boot of
 * 1e10 s in 60-s bins) asked the forecaster for that many steps: a RangeError, or V8 aborting the
 * process. With step 60 s it is a lead of 69 days; beyond it the policy is the reactive rule.
 */
export const MAX_FORECAST_STEPS = 100_000;

/**
 * The most bins a forecast reaches with `intervals: conformal`: the policy keeps the forecasts made
 * for each of the next H bins (H² / 2 numbers once H bins have passed) and a sorted window of
 * errors per step (conformal-window.ts: H · conformalWindow numbers, twice). A lead of 83,335 bins
 * ran V8 out of heap (exit 134) on the NYC taxi scenario. Measured with predictive conformal
 * (q 0.95, seasonSeconds 4h) on that scenario in 20-s bins (10,080 bins, so the H² / 2 is
 * reached), /usr/bin/time -v: H = 1,000 20 s user and 363 MB peak RSS; 2,000 41 s, 354 MB;
 * 5,000 118 s, 837 MB. The reach was 1,000 while every step's window was sorted at every bin
 * (1,000 bins in 60-s bins: 320 s user; 11 s since).
 */
export const MAX_CONFORMAL_STEPS = 5_000;

/**
 * The most errors a conformal step keeps (`conformalWindow`; default 1,000). Each of up to
 * MAX_CONFORMAL_STEPS steps keeps its window twice (arrival and sorted order): at this bound,
 * 5,000 × 10,000 × 2 numbers, 800 MB once the run has that many bins. Unbounded, a window of 1e6
 * would have asked for 80 GB.
 */
export const MAX_CONFORMAL_WINDOW = 10_000;

/** The bins a forecast covers for a lead: ⌈(lead + interval) / step⌉ + 1 (the next decision's nodes are ready an interval later). */
export function forecastSteps(leadSeconds: number, intervalSeconds: number, stepSeconds: number): number {
  return Math.ceil((leadSeconds + intervalSeconds) / stepSeconds) + 1;
}

/**
 * Why no forecast reaches `leadSeconds`, or undefined when one does: the one rule and message of
 * the registry's load-time refusal of a leadSeconds and of the policy's run-time fallback.
 */
export function leadBeyondReach(leadSeconds: number, intervalSeconds: number, stepSeconds: number, conformal: boolean): string | undefined {
  const bins = forecastSteps(leadSeconds, intervalSeconds, stepSeconds);
  const reach = conformal ? MAX_CONFORMAL_STEPS : MAX_FORECAST_STEPS;
  if (bins <= reach) return undefined;
  return `lead of ${leadSeconds} s is ${bins} bins of ${stepSeconds} s, more than the ${reach} a forecast${conformal ? ' with intervals: conformal' : ''} reaches: give a shorter leadSeconds or a larger stepSeconds`;
}
