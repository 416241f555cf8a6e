/** Airlock's contracts and pure rules: no I/O, no clock, no randomness. Safe to import from workflows. */
export * from './action.js';
export * from './approval-rules.js';
export * from './assess.js';
export * from './assess-version.js';
export * from './facts.js';
export * from './preview.js';
export * from './config.js';
export * from './decision.js';
export * from './duration.js';
export * from './glob.js';
export * from './input.js';
export * from './policy.js';
export * from './state.js';
export * from './status.js';
export * from './routing.js';
