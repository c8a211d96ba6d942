export * from './protocol.js';
export * from './workload.js';
