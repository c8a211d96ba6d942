export * from './policy.js';
export * from './registry.js';
export { fcfs } from './fcfs.js';
export { priorityClasses } from './priority.js';
