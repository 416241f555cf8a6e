/** What Airlock offers tool authors (published as `airlock/verify-grant`). */
export * from './verify-grant.js';
