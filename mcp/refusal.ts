/**
 * Thrown by an Airlock backend of the MCP tools (in-process or remote) when Airlock refuses a call (a tool outside
 * the agent's patterns, a frozen agent, a rate limit, an unknown action…) or
 * cannot be reached; the tools answer it as an `isError` result naming the code.
 */
export class ToolRefusal extends Error {
  constructor(
    /** The API's stable error code (`forbidden`, `rate_limited`…), or `unavailable` when Airlock cannot be reached. */
    readonly code: string,
    message: string,
    readonly options: {
      /** The HTTP status the API answered with. */
      status?: number;
      /** Seconds to wait before trying again (the API's `Retry-After`). */
      retryAfterS?: number;
      details?: unknown;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ToolRefusal';
  }
}
