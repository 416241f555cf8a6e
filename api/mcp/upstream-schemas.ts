/**
 * What the upstream MCP servers say of their tools (`tools/list`): names,
 * descriptions and input schemas, fetched by the API when it first needs them
 * and kept for the configuration in force (a reload fetches them again). An
 * upstream that cannot be reached is not remembered: the next call asks again,
 * and meanwhile its tools' calls fail with `upstream_unavailable` — never
 * forwarded without their schema check.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { perConfig, type ConfigSource } from '../../config/live.js';
import type { McpUpstreamConfig } from '../../domain/config.js';
import { mcpExecutorOf } from '../../domain/mcp-tools.js';
import { compileUpstreamSchema, type ParametersValidator } from '../../domain/parameters-schema.js';
import { withUpstream } from '../../lib/mcp-upstream.js';
import { ApiError } from '../errors.js';

/** One upstream tool as its server describes it, with its compiled schema (or why it does not compile). */
export interface UpstreamTool {
  tool: Tool;
  validator: ParametersValidator | Error;
}

/** Most pages of `tools/list` read from one upstream: a server that never stops paginating is cut off. */
const MAX_PAGES = 20;

/** The tools of every upstream, per loaded configuration. */
export class UpstreamSchemas {
  private readonly cache: () => { lists: Map<string, Promise<Map<string, UpstreamTool>>>; known: Map<string, Map<string, UpstreamTool>> };

  constructor(private readonly config: ConfigSource) {
    this.cache = perConfig(config, () => ({ lists: new Map(), known: new Map() }));
  }

  /** The tools `upstream` lists, by their own names; `upstream_unavailable` when it cannot be asked. */
  async list(upstream: string): Promise<Map<string, UpstreamTool>> {
    const cache = this.cache();
    let pending = cache.lists.get(upstream);
    if (!pending) {
      const settings = this.config.current.file.mcp.upstreams[upstream];
      if (!settings) throw new ApiError('not_found', `no MCP upstream named "${upstream}" is configured`);
      pending = this.fetch(upstream, settings).then(
        (tools) => {
          cache.known.set(upstream, tools);
          return tools;
        },
        (err: unknown) => {
          // Not remembered: the next call asks again.
          cache.lists.delete(upstream);
          throw err;
        },
      );
      cache.lists.set(upstream, pending);
    }
    return pending;
  }

  /** Makes sure the schema of `toolName` (an Airlock tool name) is at hand, if it is an upstream's; throws {@link ApiError}. */
  async ensure(toolName: string): Promise<void> {
    const tool = this.config.current.file.tools[toolName];
    const executor = tool && mcpExecutorOf(tool);
    if (!executor) return;
    const tools = await this.list(executor.upstream);
    if (!tools.has(executor.tool)) {
      throw new ApiError('upstream_unavailable', `MCP upstream ${executor.upstream} does not list the tool ${executor.tool}`, { upstream: executor.upstream, tool: executor.tool });
    }
  }

  /**
   * The validator of an upstream tool's arguments, once {@link ensure} has fetched it;
   * throws `upstream_unavailable` otherwise, or when its schema does not compile.
   */
  validatorOf(toolName: string): ParametersValidator {
    const executor = mcpExecutorOf(this.config.current.file.tools[toolName] ?? { executors: {} });
    const entry = executor && this.cache().known.get(executor.upstream)?.get(executor.tool);
    if (!entry) throw new ApiError('upstream_unavailable', `the input schema of ${toolName} has not been read from its MCP upstream`);
    if (entry.validator instanceof Error) {
      throw new ApiError('upstream_unavailable', `the input schema of ${toolName} (from its MCP upstream) is not valid JSON Schema: ${entry.validator.message}`);
    }
    return entry.validator;
  }

  private async fetch(upstream: string, settings: McpUpstreamConfig): Promise<Map<string, UpstreamTool>> {
    const listed: Tool[] = [];
    try {
      await withUpstream(settings, { timeoutMs: settings.timeout, configPath: this.config.current.path }, async (client, left) => {
        let cursor: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const result = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: left });
          listed.push(...result.tools);
          cursor = result.nextCursor;
          if (cursor === undefined) break;
        }
      });
    } catch (err) {
      throw new ApiError('upstream_unavailable', `MCP upstream ${upstream} cannot be reached: ${err instanceof Error ? err.message : String(err)}`, { upstream }, { cause: err });
    }
    const tools = new Map<string, UpstreamTool>();
    for (const tool of listed) {
      let validator: ParametersValidator | Error;
      try {
        validator = compileUpstreamSchema(tool.inputSchema);
      } catch (err) {
        validator = err instanceof Error ? err : new Error(String(err));
      }
      tools.set(tool.name, { tool, validator });
    }
    return tools;
  }
}
