/**
 * What Airlock offers the code around it: tool authors verify grants
 * (`airlock/verify-grant`); agents call the API through the typed client
 * (`airlock/client`) and, with the Vercel AI SDK, gate tools with `gated()`
 * (`airlock/ai`, not re-exported here: `ai` is an optional peer).
 */
export * from './verify-grant.js';
export * from './client.js';
