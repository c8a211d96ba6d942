export * from './protocol.js';
export * from './workload.js';
export * from './episodes.js';
