export * from './allocator.js';
export * from './registry.js';
export * from './decide.js';
export { greedyAllocate, type NodeChooser } from './greedy.js';
export { FirstFit } from './first-fit.js';
export { BestFitDecreasing } from './best-fit-decreasing.js';
export { WorstFit } from './worst-fit.js';
export { RoundRobin } from './round-robin.js';
export { PreemptingAllocator, planEviction } from './preemption.js';
