/** Everything about the Temporal server itself: the CLI, the dev server, connections and search attributes. */
export * from './binary.js';
export * from './connection.js';
export * from './dev-server.js';
export * from './search-attributes.js';
