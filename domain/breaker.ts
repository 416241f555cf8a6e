import { z } from 'zod';
import type { BreakerConfig, ToolConfig } from './config.js';
import { maxConcurrentOf } from './config.js';

/**
 * `closed`: calls go through. `open`: no call goes through; executions wait.
 * `half_open`: the cooldown is over and one waiting execution probes the tool.
 */
export const BreakerStatus = z.enum(['closed', 'open', 'half_open']);
export type BreakerStatus = z.infer<typeof BreakerStatus>;

/**
 * What a tool's breaker workflow publishes in its memo (read with a describe,
 * no worker needed): the state the workers gate calls on and operators see.
 */
export const BreakerView = z.object({
  tool: z.string(),
  state: BreakerStatus,
  /** Consecutive failed calls reported since the last success. */
  failures: z.number().int().min(0),
  /** Times it has closed again after opening: a worker that opened on its own failures trusts a closed state newer than that. */
  recoveries: z.number().int().min(0),
  openedAt: z.string().optional(),
  /** When the next probe may go (open); past it, the first waiting execution probes. */
  nextProbeAt: z.string().optional(),
  lastError: z.string().optional(),
  /** Executions waiting for it, holding no worker slot. */
  waiting: z.number().int().min(0),
  /** Executions let through (the probe, or released after it closed) that have not reported yet. */
  released: z.number().int().min(0),
  changedAt: z.string(),
});
export type BreakerView = z.infer<typeof BreakerView>;

/** The settings a breaker runs with, in milliseconds; sent by the workers with every report, so a new config takes effect. */
export interface BreakerSettings {
  failures: number;
  cooldownMs: number;
  /** Waiting executions released at a time once it closes. */
  maxConcurrent: number;
}

/** A tool's breaker settings; undefined when it has no breaker. */
export function breakerSettingsOf(tool: Pick<ToolConfig, 'maxConcurrent'> & { breaker?: BreakerConfig | undefined }): BreakerSettings | undefined {
  if (!tool.breaker) return undefined;
  return { failures: tool.breaker.failures, cooldownMs: tool.breaker.cooldown, maxConcurrent: maxConcurrentOf(tool) };
}

/** The view of a tool whose breaker never saw a failure (it has no workflow). */
export function closedBreakerView(tool: string, at: string): BreakerView {
  return { tool, state: 'closed', failures: 0, recoveries: 0, waiting: 0, released: 0, changedAt: at };
}
