export * from './workload.js';
export * from './replay.js';
export * from './windows.js';
