import { dimensionRefIssue } from '../core/dimension-ref.js';

/**
 * What a scaling policy's options name in the cluster it runs on: pools (`pools`, `nodes`,
 * `rules[i].pool`) and a resource dimension (`dimension`, a dimension's name or its index, see
 * core/dimension-ref.ts). A name the cluster lacks would make the policy silently do nothing for
 * it (a `pools: [typo]` never scales, `dimension: 7` or `dimension: gpus` reads utilization 0),
 * so the scenario check (src/scenario/cross-check.ts) and the scheduler's options check refuse it
 * with the field this returns.
 */

/** A reference the cluster lacks: the message and the field under the policy's options (`pools[0]`). */
export interface ScalingTargetIssue {
  readonly message: string;
  readonly field: string;
}

/**
 * The first pool or dimension the (schema-valid) `options` of `policy` name that `pools` /
 * `dimensions` lack; either may be undefined when not known yet (then it is not checked).
 */
export function scalingTargetIssue(policy: string, options: unknown, pools: readonly string[] | undefined, dimensions: readonly string[] | undefined): ScalingTargetIssue | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const o = options as { pools?: unknown; nodes?: unknown; rules?: unknown; dimension?: unknown; reactive?: { dimension?: unknown } };
  const known = new Set(pools);
  const pool = (name: unknown, field: string): ScalingTargetIssue | undefined =>
    pools !== undefined && typeof name === 'string' && !known.has(name) ? { message: `unknown pool '${name}' (pools: ${pools.length > 0 ? pools.join(', ') : 'none'})`, field } : undefined;
  const dimension = (d: unknown, field: string): ScalingTargetIssue | undefined => {
    if (dimensions === undefined || (typeof d !== 'number' && typeof d !== 'string')) return undefined;
    const message = dimensionRefIssue(d, dimensions);
    return message === undefined ? undefined : { message, field };
  };
  const first = (issues: Iterable<ScalingTargetIssue | undefined>): ScalingTargetIssue | undefined => {
    for (const i of issues) if (i !== undefined) return i;
    return undefined;
  };
  const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
  switch (policy) {
    case 'static':
      return first(Object.keys(typeof o.nodes === 'object' && o.nodes !== null ? o.nodes : {}).map((name) => pool(name, `nodes.${name}`)));
    case 'reactive':
      return first([...list(o.pools).map((name, i) => pool(name, `pools[${i}]`)), dimension(o.dimension, 'dimension')]);
    case 'predictive':
      return first([...list(o.pools).map((name, i) => pool(name, `pools[${i}]`)), dimension(o.reactive?.dimension, 'reactive.dimension')]);
    case 'scheduled':
      return first(list(o.rules).map((r, i) => pool((r as { pool?: unknown } | null)?.pool, `rules[${i}].pool`)));
    default:
      return undefined;
  }
}
