import type { DenseLayer } from '../core/policy-net.js';

/** A network's weights as one vector (CEM searches over it): weights then bias, layer by layer. */
export function flatten(layers: readonly DenseLayer[]): number[] {
  return layers.flatMap((l) => [...l.weights, ...l.bias]);
}

/** The inverse of `flatten` for layers shaped like `shape`. */
export function unflatten(theta: readonly number[], shape: readonly DenseLayer[]): DenseLayer[] {
  let o = 0;
  return shape.map((l) => {
    const weights = theta.slice(o, o + l.weights.length);
    o += l.weights.length;
    const bias = theta.slice(o, o + l.bias.length);
    o += l.bias.length;
    return { weights, bias, activation: l.activation };
  });
}
