import { ConfigError, UserError } from '../core/errors.js';
import { deepestIssue, plainMessage } from '../core/plain-issue.js';
import { resolveScenarioModels } from './models.js';
import { strategyRows } from './rows.js';
import { strategySchema, type Scenario } from './schema.js';

/**
 * `drs run --strategies a,b`: each item names rows of the scenario (a label, a label's first part,
 * an allocator's name; see build.ts) or, when it names none, a strategy to add to the comparison,
 * written the way its label would print:
 *
 *   ALLOCATOR[+preempt][/QUEUE]      first-fit, worst-fit+preempt, learned:agent-fleet, best-fit-decreasing/sjf
 *
 * An added strategy runs with the scenario's queue (unless `/QUEUE` names one), scaling and quotas,
 * as a `strategies:` entry without those fields would; a model file it names (`learned:FILE.json`)
 * is relative to the working directory and is read now, so a bad one fails before the run.
 * Returns the scenario with the added rows after its own, and the list to select by, each added
 * item replaced by its row's label (`learned:FILE.json` is labelled `learned:FILE`).
 */
/** How an added strategy is written, for the messages that refuse one. */
export const ADD_FORM = 'To add one, write ALLOCATOR[+preempt][/QUEUE], e.g. worst-fit+preempt or first-fit/sjf (drs list shows the names)';

/** The names that select a row with `--strategies`: its label, the label up to the first `+`, `/` or `#`, and its allocator's name. */
export function rowNames(label: string, allocator: string): string[] {
  return [label, label.split(/[+/#]/)[0] as string, allocator];
}

export function withCliStrategies(sc: Scenario, only: readonly string[], ctx: { readonly file: string; readonly cwd: string }): { scenario: Scenario; only: string[] } {
  const rows = strategyRows(sc);
  const names = new Set(rows.flatMap((r) => rowNames(r.label, r.name)));
  const extra = only.filter((o, i) => !names.has(o) && only.indexOf(o) === i);
  if (extra.length === 0) return { scenario: sc, only: [...only] };
  const added = extra.map((item) => {
    const e = strategyEntry(item);
    if ('why' in e) {
      throw new ConfigError(
        `--strategies '${item}' is not a row of the scenario (it has: ${rows.map((r) => r.label).join(', ')}) and not a strategy to add: ${e.why}. ${ADD_FORM}`,
        { file: ctx.file },
      );
    }
    return e.entry;
  });
  try {
    // Only the added rows' models are checked here (the scenario's were checked when it was loaded), against the working directory.
    const checked = resolveScenarioModels({ ...sc, strategies: added }, ctx.cwd, (_at, message) => {
      throw new UserError(message);
    });
    const scenario = { ...sc, strategies: [...sc.strategies, ...checked.strategies] };
    const labels = strategyRows(scenario).slice(sc.strategies.length).map((r) => r.label);
    return { scenario, only: only.map((o) => (extra.includes(o) ? (labels[extra.indexOf(o)] as string) : o)) };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new ConfigError(`--strategies: ${e.detail}`, { file: ctx.file });
  }
}

/**
 * A strategy written the way its default label prints, `ALLOCATOR[+preempt][/QUEUE]`, as the
 * `strategies:` entry that runs it (`raw`, `{ name, preemption?, queue? }`, as a scenario file would
 * write it, and `entry`, parsed by the entry's schema), or why it is none. A model file may sit in a folder (`learned:models/mine.json`): a
 * name ending in .json keeps its slashes.
 */
export function strategyEntry(item: string): { raw: { name: string; preemption?: true; queue?: string }; entry: Scenario['strategies'][number] } | { why: string } {
  const m = /^([^+]*?\.json|[^+/]+)(\+preempt)?(?:\/(.+))?$/.exec(item);
  if (m === null) return { why: 'it has not that form' };
  const raw = { name: m[1] as string, ...(m[2] !== undefined ? { preemption: true as const } : {}), ...(m[3] !== undefined ? { queue: m[3] } : {}) };
  const r = strategySchema.safeParse(raw);
  return r.success ? { raw, entry: r.data } : { why: plainMessage(deepestIssue(r.error.issues[0] as (typeof r.error.issues)[number])) };
}
