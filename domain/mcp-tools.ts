/** The tools of upstream MCP servers as Airlock tools: names, facts and executors, from the `mcp` section. */
import type { McpConfig, McpExecutorConfig, ToolConfig } from './config.js';

/** Airlock's name of an upstream's tool: `<upstream>.<tool>`, lower-cased (`files.delete_file`). */
export function mcpToolName(upstream: string, tool: string): string {
  return `${upstream}.${tool.toLowerCase()}`;
}

// The same rule as ToolName (domain/action.ts), for one segment: kept here so this module needs no zod at run time.
const SEGMENT = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * What is wrong with the `mcp` section beside `tools`: an upstream tool whose
 * Airlock name is not a tool name, two that lower-case to the same, or one that
 * clashes with a tool under `tools:`. Each issue names the field.
 */
export function mcpToolIssues(mcp: McpConfig, tools: Record<string, unknown>): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const [upstream, config] of Object.entries(mcp.upstreams)) {
    const seen = new Map<string, string>();
    for (const tool of Object.keys(config.tools)) {
      const path = ['mcp', 'upstreams', upstream, 'tools', tool];
      const name = mcpToolName(upstream, tool);
      if (!SEGMENT.test(tool.toLowerCase()) || name.length > 120) {
        issues.push({ path, message: `becomes the tool name "${name}", which is not dotted lower-case words (letters, digits, - or _), like files.read_file` });
        continue;
      }
      const twin = seen.get(name);
      if (twin !== undefined) issues.push({ path, message: `is "${name}" in Airlock, like "${twin}"; tool names are compared in lower case` });
      seen.set(name, tool);
      if (name in tools) issues.push({ path, message: `is the tool "${name}", which tools: already declares; rename one of them` });
    }
  }
  return issues;
}

/** Each listed upstream tool as a tool: its facts, and an `mcp` executor for its one environment. */
export function mcpTools(mcp: McpConfig): Record<string, ToolConfig> {
  const out: Record<string, ToolConfig> = {};
  for (const [upstream, config] of Object.entries(mcp.upstreams)) {
    for (const [tool, facts] of Object.entries(config.tools)) {
      const { environment, ...rest } = facts;
      const executor: McpExecutorConfig = { type: 'mcp', upstream, tool, timeout: config.timeout, deadline: config.deadline };
      // The schema is the upstream's inputSchema, read when first needed (api/mcp/upstream-schemas.ts); this placeholder is never used for them.
      out[mcpToolName(upstream, tool)] = { ...rest, executors: { [environment]: executor }, parameters: { type: 'object' } };
    }
  }
  return out;
}

/** The MCP executor of a tool, if it is an upstream's. */
export function mcpExecutorOf(tool: Pick<ToolConfig, 'executors'>): McpExecutorConfig | undefined {
  return Object.values(tool.executors).find((e): e is McpExecutorConfig => e?.type === 'mcp');
}
