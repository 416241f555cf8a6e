import type { WebClient } from '@slack/web-api';
import { perConfig, type ConfigSource } from '../config/live.js';
import type { OperatorConfig } from '../domain/config.js';
import type { Identity } from '../domain/decision.js';
import type { Logger } from '../lib/logger.js';

export type { Identity } from '../domain/decision.js';

/**
 * Resolves people to identities. One human, one identity: an operator with a
 * Slack user id decides as that Slack user, from the API, the CLI or Slack, and
 * is matched against approver lists by operator id, Slack id and (with Slack
 * connected) the Slack user groups they belong to. Operators and approver
 * lists are those of the configuration in force.
 */
export class Identities {
  private readonly groupCache = new Map<string, { members: Set<string>; until: number }>();
  /** Slack user groups (`S…`) named in the approver lists. */
  private readonly groups: () => string[];

  constructor(
    private readonly config: ConfigSource,
    private readonly slack?: { client: WebClient; logger: Logger; ttlMs?: number },
  ) {
    this.groups = perConfig(config, ({ file }) => userGroupsIn([file.approvals.reviewers, file.approvals.criticalApprovers]));
  }

  /** The identity of an operator calling the API or CLI. */
  async forOperator(operator: OperatorConfig): Promise<Identity> {
    if (!operator.slackUserId) return { by: operator.id, ids: [operator.id], groups: [] };
    return this.forSlackUser(operator.slackUserId);
  }

  /** The identity of a Slack user clicking a card. */
  async forSlackUser(userId: string): Promise<Identity> {
    const operatorIds = this.config.current.file.operators.filter((o) => o.slackUserId === userId).map((o) => o.id);
    const groups: string[] = [];
    for (const group of this.groups()) if ((await this.members(group)).has(userId)) groups.push(group);
    return { by: userId, ids: [userId, ...operatorIds], groups };
  }

  /** Members of a user group, from `usergroups.users.list`, cached briefly; unknown (and so no one) if Slack fails. */
  private async members(group: string): Promise<Set<string>> {
    if (!this.slack) return new Set();
    const cached = this.groupCache.get(group);
    if (cached && cached.until > Date.now()) return cached.members;
    try {
      const res = await this.slack.client.usergroups.users.list({ usergroup: group });
      const members = new Set(res.users ?? []);
      this.groupCache.set(group, { members, until: Date.now() + (this.slack.ttlMs ?? 60_000) });
      return members;
    } catch (err) {
      // Fail closed: a person is not an approver through a group we cannot read.
      this.slack.logger.warn({ group, err: (err as Error).message }, 'cannot read user group members');
      return cached?.members ?? new Set();
    }
  }
}

/** Slack user groups (`S…`) among the configured approvers. */
export function userGroupsIn(lists: string[][]): string[] {
  return [...new Set(lists.flat().filter((id) => /^S[A-Z0-9]{2,}$/.test(id)))];
}
