import type { Client } from '@temporalio/client';
import { configSource, type ConfigInput, type ConfigSource } from '../../config/live.js';
import { breakerSettingsOf, closedBreakerView } from '../../domain/breaker.js';
import { maxConcurrentOf, type ToolConfig } from '../../domain/config.js';
import type { Environment } from '../../domain/action.js';
import type { ToolView } from '../../domain/tool-view.js';
import { BreakerReader } from '../../lib/breaker-reader.js';
import { ApiError } from '../errors.js';

/** The tools as operators see them: configuration and the live state of their breakers. */
export class ToolGateway {
  private readonly breakers: BreakerReader;
  private readonly source: ConfigSource;

  constructor(
    client: Client,
    /** Read at every request: a reloaded configuration shows at once. */
    config: ConfigInput,
  ) {
    this.breakers = new BreakerReader(() => client);
    this.source = configSource(config);
  }

  /** A configured tool; 404 for anything else. */
  tool(name: string): ToolConfig {
    const tool = this.source.current.file.tools[name];
    if (!tool) throw new ApiError('not_found', `no tool ${name}`);
    return tool;
  }

  /** The tool's facts in brief and its breaker, read fresh from the breaker's workflow. */
  async view(name: string): Promise<ToolView> {
    const tool = this.tool(name);
    const settings = breakerSettingsOf(tool) ?? null;
    const state = await this.breakers.read(name, true);
    const breaker = state ?? (settings ? closedBreakerView(name, new Date().toISOString()) : undefined);
    return {
      name,
      ...(tool.description ? { description: tool.description } : {}),
      operation: tool.operation,
      environments: Object.keys(tool.executors) as Environment[],
      ...(tool.sensitivity ? { sensitivity: tool.sensitivity } : {}),
      reversible: tool.reversible,
      baseRisk: tool.baseRisk,
      maxAttempts: tool.retry.maxAttempts,
      maxConcurrent: maxConcurrentOf(tool),
      breaker: breaker ? { ...breaker, settings } : null,
    };
  }
}
