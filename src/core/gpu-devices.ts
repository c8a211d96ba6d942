import { CapacityError } from './errors.js';
import { checkDevices, chooseDevices, devicesFit, GPU_MILLI, gpuShape, milliPerDevice } from './gpu.js';
import type { PoolSpec } from './model.js';
import type { ResourceVector } from './resources.js';

/**
 * Per-device free GPU shares of the cluster's device nodes (integer milli per device), kept by
 * ClusterState next to its scalar free vectors. Only built when some pool declares devices, so
 * scalar scenarios pay nothing. The scalar `gpu` free of a device node always equals
 * Σ device free / 1000, which makes the scalar check a necessary condition (the fit index
 * prunes with it) and this table the sufficient one.
 */
export class DeviceTable {
  private readonly free: (Int32Array | undefined)[] = [];
  private readonly models: (string | undefined)[] = [];

  constructor(readonly gpuDim: number) {}

  addNode(id: number, pool: PoolSpec): void {
    const g = pool.gpus;
    if (g === undefined) return;
    if (!Number.isInteger(g.count) || g.count < 0) throw new CapacityError(`pool ${pool.name}: gpus.count must be a whole number ≥ 0, got ${g.count}`);
    if ((pool.capacity[this.gpuDim] ?? 0) !== g.count) {
      throw new CapacityError(`pool ${pool.name}: capacity gpu ${pool.capacity[this.gpuDim]} differs from its ${g.count} GPU devices`);
    }
    this.free[id] = new Int32Array(g.count).fill(GPU_MILLI);
    this.models[id] = g.model;
  }

  /** A removed node's devices are forgotten (its model is kept: one shared string). */
  removeNode(id: number): void {
    if (this.free[id] !== undefined) this.free[id] = undefined;
  }

  /** Free milli per device, or undefined for a scalar node. Live array: do not write. */
  freeOf(id: number): Int32Array | undefined {
    return this.free[id];
  }

  model(id: number): string | undefined {
    return this.models[id];
  }

  /** Total free GPUs of a device node (Σ free / 1000). */
  total(id: number): number {
    const f = this.free[id] as Int32Array;
    let s = 0;
    for (let i = 0; i < f.length; i++) s += f[i] as number;
    return s / GPU_MILLI;
  }

  /** True for scalar nodes; on a device node, whether the demand's GPU shape fits a device choice. */
  fits(id: number, demand: ResourceVector): boolean {
    const f = this.free[id];
    if (f === undefined) return true;
    return devicesFit(f, gpuShape(demand[this.gpuDim] ?? 0));
  }

  /**
   * Take the demand's GPU share from the node's devices: the given ones (checked) or the default
   * choice. Returns the devices taken, or undefined on a scalar node. Throws CapacityError.
   */
  take(id: number, demand: ResourceVector, devices: readonly number[] | undefined, what: string): readonly number[] | undefined {
    const f = this.free[id];
    if (f === undefined) return undefined;
    const shape = gpuShape(demand[this.gpuDim] ?? 0);
    let chosen: readonly number[];
    if (devices !== undefined) {
      checkDevices(f, shape, devices, what);
      chosen = devices;
    } else {
      const c = chooseDevices(f, shape);
      if (c === undefined) {
        const have = Array.from(f).join(', ');
        throw new CapacityError(`${what}: no device choice fits ${demand[this.gpuDim]} GPU (device free milli [${have}])`);
      }
      chosen = c;
    }
    const m = milliPerDevice(shape);
    for (const d of chosen) f[d] = (f[d] as number) - m;
    return chosen;
  }

  /** Give back what `take` took. */
  give(id: number, demand: ResourceVector, devices: readonly number[] | undefined): void {
    const f = this.free[id];
    if (f === undefined || devices === undefined) return;
    const m = milliPerDevice(gpuShape(demand[this.gpuDim] ?? 0));
    for (const d of devices) {
      const v = (f[d] as number) + m;
      if (v > GPU_MILLI) throw new CapacityError(`device ${d} of node ${id} would exceed ${GPU_MILLI} milli`);
      f[d] = v;
    }
  }

  /** Invariant check: device free = 1000 − Σ shares of the node's allocations, per device. */
  check(id: number, allocs: Iterable<{ readonly request: { readonly demand: ResourceVector }; readonly devices?: readonly number[] }>): void {
    const f = this.free[id];
    if (f === undefined) return;
    const used = new Int32Array(f.length);
    for (const a of allocs) {
      const m = milliPerDevice(gpuShape(a.request.demand[this.gpuDim] ?? 0));
      for (const d of a.devices ?? []) used[d] = (used[d] as number) + m;
    }
    for (let d = 0; d < f.length; d++) {
      if ((used[d] as number) > GPU_MILLI) throw new CapacityError(`node ${id} device ${d} over capacity`);
      if (GPU_MILLI - (used[d] as number) !== f[d]) throw new CapacityError(`node ${id} device ${d} free ${f[d]} != ${GPU_MILLI - (used[d] as number)}`);
    }
  }
}
