import { UserError } from '../core/errors.js';
import type { ResourceSpace } from '../core/resources.js';

/** Which scenario dimension each openb quantity goes to (pod lists and node lists alike). */
export interface AlibabaDimensions {
  readonly cpu?: string;
  readonly memory?: string;
  readonly gpu?: string;
}

export const DEFAULT_DIMS = { cpu: 'cpu', memory: 'memory', gpu: 'gpu' } as const;

/** Index of the dimension an openb quantity maps to; a UserError naming `dimensions.<key>` when the scenario lacks it. */
export function dimIndex(space: ResourceSpace, dims: AlibabaDimensions | undefined, key: keyof AlibabaDimensions): number {
  const name = dims?.[key] ?? DEFAULT_DIMS[key];
  const i = space.indexOf(name);
  if (i < 0) throw new UserError(`the openb ${key} column maps to dimension '${name}', which the scenario lacks (it has: ${space.names.join(', ')})`, { field: `dimensions.${key}` });
  return i;
}
