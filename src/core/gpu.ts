import { CapacityError } from './errors.js';
import type { PoolSpec } from './model.js';

/**
 * GPU devices.
 *
 * A pool may declare its nodes' GPUs as devices (`PoolSpec.gpus`: count, model, memory). Each
 * device has a capacity of 1000 milli (one GPU). The demand vector's `gpu` entry keeps its
 * meaning (GPUs, possibly fractional), and on a device node it also fixes the request's shape:
 *
 *   0 < g < 1          a share of ONE device: milli = round(1000 g)
 *   g = k (integer)    k whole devices of the node
 *   anything else      cannot run on a device node (1.5 GPUs would split a share across devices)
 *
 * Free capacity is kept per device in integer milli, so "two half-GPU pods fit on two devices
 * that each have half left" is possible and "one 0.8 pod fits on two devices with 0.4 each" is
 * not. Nodes of pools declared with a plain `gpu: N` keep the scalar meaning.
 */
export const GPU_MILLI = 1000;

export type { GpuDeviceSpec } from './model.js';

export type GpuShape =
  | { readonly kind: 'none' }
  | { readonly kind: 'share'; readonly milli: number }
  | { readonly kind: 'whole'; readonly count: number }
  | { readonly kind: 'invalid'; readonly amount: number };

const NONE: GpuShape = { kind: 'none' };

/** The device shape of a GPU amount (rules above). */
export function gpuShape(amount: number): GpuShape {
  if (!(amount > 1e-9)) return NONE;
  if (amount < 1 - 1e-9) return { kind: 'share', milli: Math.max(1, Math.round(amount * GPU_MILLI)) };
  const k = Math.round(amount);
  if (Math.abs(amount - k) < 1e-9) return { kind: 'whole', count: k };
  return { kind: 'invalid', amount };
}

/** The label that names a pool's GPU model (`labels: { gpuModel: T4 }`). */
export const GPU_MODEL_LABEL = 'gpuModel';

/** The GPU model of a pool: its device model, else its `gpuModel` label. */
export function poolGpuModel(pool: PoolSpec): string | undefined {
  return pool.gpus?.model ?? pool.labels[GPU_MODEL_LABEL];
}

/**
 * A pool's labels with its device model as the `gpuModel` label, so a request's label constraint
 * `{ gpuModel: T4 }` finds a pool declared `gpus: { model: T4 }` (scenarios and the scheduler
 * alike). Returns a message instead when the label names another model.
 */
export function labelsWithGpuModel(labels: Readonly<Record<string, string>>, model: string | undefined): Record<string, string> | string {
  if (model === undefined) return { ...labels };
  const label = labels[GPU_MODEL_LABEL];
  if (label !== undefined && label !== model) return `label ${GPU_MODEL_LABEL} '${label}' contradicts gpus.model '${model}' (both name the pool's GPU model)`;
  return { ...labels, [GPU_MODEL_LABEL]: model };
}

/** May `request` run on a node of `pool` as far as GPU models go? */
export function gpuModelAllowed(pool: PoolSpec, models: readonly string[] | undefined): boolean {
  if (models === undefined || models.length === 0) return true;
  const m = poolGpuModel(pool);
  return m !== undefined && models.includes(m);
}

/** Does a request of this shape fit the device free list (milli per device)? */
export function devicesFit(free: ArrayLike<number>, shape: GpuShape): boolean {
  switch (shape.kind) {
    case 'none':
      return true;
    case 'share':
      for (let i = 0; i < free.length; i++) if ((free[i] as number) >= shape.milli) return true;
      return false;
    case 'whole': {
      let k = 0;
      for (let i = 0; i < free.length; i++) if ((free[i] as number) === GPU_MILLI && ++k >= shape.count) return true;
      return k >= shape.count;
    }
    case 'invalid':
      return false;
  }
}

/**
 * The default device choice (the authors' "best" GPU selection): a share goes to the device
 * with the least free milli that still fits it (lowest index on ties); k whole devices are the
 * k lowest-indexed idle devices. Returns undefined when nothing fits.
 */
export function chooseDevices(free: ArrayLike<number>, shape: GpuShape): number[] | undefined {
  switch (shape.kind) {
    case 'none':
      return [];
    case 'share': {
      let best = -1;
      for (let i = 0; i < free.length; i++) {
        const f = free[i] as number;
        if (f >= shape.milli && (best < 0 || f < (free[best] as number))) best = i;
      }
      return best < 0 ? undefined : [best];
    }
    case 'whole': {
      const out: number[] = [];
      for (let i = 0; i < free.length && out.length < shape.count; i++) if ((free[i] as number) === GPU_MILLI) out.push(i);
      return out.length === shape.count ? out : undefined;
    }
    case 'invalid':
      return undefined;
  }
}

/** Milli taken from each chosen device. */
export function milliPerDevice(shape: GpuShape): number {
  return shape.kind === 'share' ? shape.milli : shape.kind === 'whole' ? GPU_MILLI : 0;
}

/** Check an explicit device choice; throws CapacityError naming what is wrong. */
export function checkDevices(free: ArrayLike<number>, shape: GpuShape, devices: readonly number[], what: string): void {
  const want = shape.kind === 'share' ? 1 : shape.kind === 'whole' ? shape.count : 0;
  if (shape.kind === 'invalid') throw new CapacityError(`${what}: ${shape.amount} GPUs is neither a share of one device (< 1) nor whole devices`);
  if (devices.length !== want) throw new CapacityError(`${what}: needs ${want} device(s), got [${devices.join(', ')}]`);
  const need = milliPerDevice(shape);
  const seen = new Set<number>();
  for (const d of devices) {
    if (!Number.isInteger(d) || d < 0 || d >= free.length || seen.has(d)) throw new CapacityError(`${what}: bad device index ${d}`);
    seen.add(d);
    if ((free[d] as number) < need) throw new CapacityError(`${what}: device ${d} has ${free[d]} milli free, needs ${need}`);
  }
}
