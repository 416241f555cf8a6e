/** The HTTP API: express app, routes, auth and the Temporal gateway. */
export { createApp, BODY_LIMIT_BYTES, type AppDeps } from './app.js';
export { ActionGateway, actionIdFor, workflowIdOf } from './actions/gateway.js';
export { ApiError, type ErrorBody, type ErrorCode } from './errors.js';
export { sha256Hex } from './auth.js';
export { mcpGatewayRoutes } from './mcp/gateway.js';
