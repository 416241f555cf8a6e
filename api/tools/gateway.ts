import type { Client } from '@temporalio/client';
import type { AirlockConfig } from '../../config/index.js';
import { breakerSettingsOf, closedBreakerView } from '../../domain/breaker.js';
import { maxConcurrentOf, type ToolConfig } from '../../domain/config.js';
import type { Environment } from '../../domain/action.js';
import type { ToolView } from '../../domain/tool-view.js';
import { BreakerReader } from '../../lib/breaker-reader.js';
import { ApiError } from '../errors.js';

/** The tools as operators see them: configuration and the live state of their breakers. */
export class ToolGateway {
  private readonly breakers: BreakerReader;

  constructor(
    client: Client,
    private readonly config: AirlockConfig,
  ) {
    this.breakers = new BreakerReader(() => client);
  }

  /** A configured tool; 404 for anything else. */
  tool(name: string): ToolConfig {
    const tool = this.config.file.tools[name];
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
