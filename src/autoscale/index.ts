export * from './policy.js';
export * from './registry.js';
