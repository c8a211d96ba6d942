import { UserError } from '../core/errors.js';
import type { ScaleAction, ScalingInput, ScalingPolicy } from './policy.js';
import { scalingTargetIssue, type ScalingTargetIssue } from './targets.js';

/*
 * Scheduled scaling: cron-like rules that set a pool's size at given times of day.
 *
 * Clock. Rules read the caller's clock (simulated seconds; the production scheduler's seconds) as
 * a wall clock: t = 0 is 00:00 of day 0, shifted by `offsetSeconds` (t = 0 is `offsetSeconds`
 * after midnight; "HH:MM" is accepted too). Day 0 is a `startDayOfWeek` (0 = Sunday … 6 =
 * Saturday; default 1, Monday). So with offset 0, t = 30,600 s is 08:30 of day 0, a Monday.
 *
 * Rules. Each rule is `{ pool, nodes }` plus either
 *   - `at: "HH:MM"` (every day, or only on `days`: ['mon', 'fri'] or numbers 0-6), or
 *   - `cron: "M H * * DOW"`: the five cron fields with day-of-month and month `*` (simulated
 *     time has no calendar). Each of M, H, DOW is `*`, a number, a list `a,b`, a range `a-b`,
 *     or a step `*\/n` / `a-b/n`; DOW takes 0-7 (0 and 7 = Sunday) or names (sun, mon, …).
 *
 * Semantics (level-triggered): at every tick, for each pool, the rule that fired most recently
 * (at or before now; looking back up to 8 days, before t = 0 too, as if the schedule had always
 * been running) sets the pool's target size, clamped to the pool's [min, max]; the action is
 * target − (up + booting). Re-asserting the target every tick finishes a scale-in that the caller
 * cut short because nodes were busy. Two rules firing in the same minute: the later one in the
 * list wins. A pool no rule names is left alone.
 */

export interface ScheduleRule {
  readonly pool: string;
  readonly nodes: number;
  /** "HH:MM", daily (or on `days`). */
  readonly at?: string;
  /** With `at`: only on these days of the week (0 = Sunday, or names). */
  readonly days?: readonly (number | string)[];
  /** "M H * * DOW". */
  readonly cron?: string;
}

export interface ScheduledOptions {
  /** Seconds between decisions; default 60. */
  readonly intervalSeconds?: number;
  /** Time of day at t = 0, seconds after midnight, or "HH:MM"; default 0. */
  readonly offsetSeconds?: number | string;
  /** Day of the week of day 0 (0 = Sunday … 6 = Saturday); default 1 (Monday). */
  readonly startDayOfWeek?: number;
  readonly rules: readonly ScheduleRule[];
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const FULL_DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const DAY = 86_400;

/** A rule compiled to sorted minutes of the day and a set of weekdays. */
export interface CompiledRule {
  readonly index: number;
  readonly pool: string;
  readonly nodes: number;
  /** Minutes after midnight when the rule fires, ascending. */
  readonly minutes: readonly number[];
  /** days[d] for d = 0 (Sunday) … 6. */
  readonly days: readonly boolean[];
}

function fail(message: string, field: string): never {
  throw new UserError(message, { field });
}

/** Parse "HH:MM" to minutes after midnight, or undefined. */
export function parseClock(s: string): number | undefined {
  const m = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(s);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h <= 23 && min <= 59 ? h * 60 + min : undefined;
}

function dayNumber(v: number | string, field: string): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 7) return v % 7;
    return fail(`expected a day of the week 0-7 (0 and 7 = Sunday) or a name (sun … sat), got ${v}`, field);
  }
  // A name is the three-letter form or the full English name ('mon', 'Monday'); anything else
  // that starts like one ('monkey', 'sunny') is refused, not read as that day.
  const w = v.trim().toLowerCase();
  const i = DAY_NAMES.indexOf(w.slice(0, 3) as (typeof DAY_NAMES)[number]);
  if (i >= 0 && (w.length === 3 || w === FULL_DAY_NAMES[i])) return i;
  if (/^\d+$/.test(w)) return dayNumber(Number(w), field);
  return fail(`expected a day of the week 0-7 or a name (sun … sat, or sunday … saturday), got '${v}'`, field);
}

/** One cron field ("*", "5", "1,3", "9-17", "*\/15", "0-30/10") → the sorted values in [lo, hi]. */
export function parseCronField(text: string, lo: number, hi: number, field: string, names?: (s: string) => number): number[] {
  const out = new Set<number>();
  const value = (s: string): number => {
    if (/^\d+$/.test(s)) return Number(s);
    if (names !== undefined) return names(s);
    return fail(`'${s}' is not a number in ${lo}-${hi}`, field);
  };
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part.trim());
    if (!m) fail(`cannot read '${part}' (expected *, n, a-b, */n or a-b/n)`, field);
    const range = (m as RegExpExecArray)[1] as string;
    const stepText = (m as RegExpExecArray)[2];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(step >= 1)) fail(`step must be ≥ 1 in '${part}'`, field);
    let a: number;
    let b: number;
    if (range === '*') {
      a = lo;
      b = hi;
    } else if (range.includes('-')) {
      const [x, y] = range.split('-') as [string, string];
      a = value(x.trim());
      b = value(y.trim());
    } else {
      a = value(range.trim());
      b = stepText === undefined ? a : hi;
    }
    if (a < lo || b > hi || a > b) fail(`'${part}' is outside ${lo}-${hi} (or an empty range)`, field);
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return [...out].sort((x, y) => x - y);
}

/** Compile and check the rules; errors name `rules[i].<field>`. */
export function compileRules(rules: readonly ScheduleRule[]): CompiledRule[] {
  return rules.map((r, i) => {
    const at = `rules[${i}]`;
    if (!Number.isInteger(r.nodes) || r.nodes < 0) fail(`expected a whole number of nodes ≥ 0, got ${r.nodes}`, `${at}.nodes`);
    if ((r.at === undefined) === (r.cron === undefined)) fail(`give exactly one of 'at' ("HH:MM") and 'cron' ("M H * * DOW")`, at);
    let minutes: number[];
    const days = new Array<boolean>(7).fill(r.days === undefined);
    if (r.at !== undefined) {
      const m = parseClock(r.at);
      if (m === undefined) fail(`expected a time of day "HH:MM" (00:00-23:59), got '${r.at}'`, `${at}.at`);
      minutes = [m];
      (r.days ?? []).forEach((d, j) => (days[dayNumber(d, `${at}.days[${j}]`)] = true));
    } else {
      if (r.days !== undefined) fail(`'days' goes with 'at'; with 'cron' put the days in its fifth field`, `${at}.days`);
      days.fill(false);
      const f = (r.cron as string).trim().split(/\s+/);
      if (f.length !== 5) fail(`expected five cron fields "M H * * DOW", got ${f.length} in '${r.cron}'`, `${at}.cron`);
      const [mf, hf, dom, mon, dow] = f as [string, string, string, string, string];
      if (dom !== '*' || mon !== '*') fail(`day-of-month and month must be '*' (simulated time has no calendar), got '${dom} ${mon}'`, `${at}.cron`);
      const mins = parseCronField(mf, 0, 59, `${at}.cron`);
      const hours = parseCronField(hf, 0, 23, `${at}.cron`);
      minutes = hours.flatMap((h) => mins.map((m) => h * 60 + m));
      for (const d of parseCronField(dow, 0, 7, `${at}.cron`, (s) => dayNumber(s, `${at}.cron`))) days[d % 7] = true;
    }
    return { index: i, pool: r.pool, nodes: r.nodes, minutes, days };
  });
}

/**
 * The last time (seconds on the caller's clock) at or before `now` when `rule` fired, or
 * undefined if it did not fire in the 8 days before `now`. `offset` is the time of day at t = 0.
 */
export function lastFiring(rule: CompiledRule, now: number, offset: number, startDayOfWeek: number): number | undefined {
  const wall = now + offset;
  const today = Math.floor(wall / DAY);
  const minuteNow = Math.floor((wall - today * DAY) / 60 + 1e-9);
  for (let back = 0; back <= 8; back++) {
    const day = today - back;
    const dow = (((startDayOfWeek + day) % 7) + 7) % 7;
    if (!rule.days[dow]) continue;
    let best: number | undefined;
    for (const m of rule.minutes) {
      if (back === 0 && m > minuteNow) break;
      best = m;
    }
    if (best !== undefined) return day * DAY + best * 60 - offset;
  }
  return undefined;
}

export class ScheduledPolicy implements ScalingPolicy {
  readonly name = 'scheduled';
  readonly intervalSeconds: number;
  private readonly offset: number;
  private readonly startDayOfWeek: number;
  private readonly rules: readonly CompiledRule[];
  private checked = false;

  constructor(options: ScheduledOptions) {
    this.intervalSeconds = options.intervalSeconds ?? 60;
    if (!(this.intervalSeconds > 0)) fail(`must be > 0, got ${this.intervalSeconds}`, 'intervalSeconds');
    const off = options.offsetSeconds ?? 0;
    if (typeof off === 'string') {
      const m = parseClock(off);
      if (m === undefined) fail(`expected seconds after midnight or "HH:MM", got '${off}'`, 'offsetSeconds');
      this.offset = m * 60;
    } else {
      // A time of day: a day or more put t = 0 on a later day than startDayOfWeek says (and 1e20 lost the firings to rounding).
      if (!(Number.isFinite(off) && off >= 0 && off < DAY)) fail(`expected seconds after midnight, 0 to ${DAY - 1} (or "HH:MM"), got ${off}`, 'offsetSeconds');
      this.offset = off;
    }
    this.startDayOfWeek = options.startDayOfWeek ?? 1;
    if (!Number.isInteger(this.startDayOfWeek) || this.startDayOfWeek < 0 || this.startDayOfWeek > 6) fail(`expected 0 (Sunday) … 6 (Saturday), got ${this.startDayOfWeek}`, 'startDayOfWeek');
    this.rules = compileRules(options.rules);
  }

  /** The rule in force for `pool` at `now` (latest firing; the later rule on a tie), if any. */
  active(pool: string, now: number): { rule: CompiledRule; firedAt: number } | undefined {
    let best: { rule: CompiledRule; firedAt: number } | undefined;
    for (const r of this.rules) {
      if (r.pool !== pool) continue;
      const t = lastFiring(r, now, this.offset, this.startDayOfWeek);
      if (t !== undefined && (best === undefined || t >= best.firedAt)) best = { rule: r, firedAt: t };
    }
    return best;
  }

  /**
   * The first rule naming a pool `pools` lacks (its field `rules[i].pool`), or undefined: the
   * scheduler asks this when built, so the check at the first decision never fails there.
   */
  unknownPool(pools: readonly string[]): ScalingTargetIssue | undefined {
    return scalingTargetIssue('scheduled', { rules: this.rules }, pools, undefined);
  }

  decide(input: ScalingInput): ScaleAction[] {
    if (!this.checked) {
      const issue = this.unknownPool(input.pools.map((p) => p.spec.name));
      if (issue !== undefined) fail(issue.message, issue.field);
      this.checked = true;
    }
    const out: ScaleAction[] = [];
    for (const p of input.pools) {
      const a = this.active(p.spec.name, input.now);
      if (a === undefined) continue;
      const target = Math.min(Math.max(a.rule.nodes, p.spec.nodes.min), p.spec.nodes.max);
      const current = p.up + p.booting;
      if (target !== current) out.push({ pool: p.pool, delta: target - current, reason: `scheduled: rules[${a.rule.index}] fired at t=${a.firedAt}s → ${target} nodes` });
    }
    return out;
  }
}

export function scheduledPolicy(options: ScheduledOptions): ScheduledPolicy {
  return new ScheduledPolicy(options);
}
