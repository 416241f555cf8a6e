import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseEnv } from '../../config/index.js';

describe('Slack settings in the environment', () => {
  const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };

  it('SLACK_TEAM_IDS and SLACK_APP_IDS are required with SLACK_BOT_TOKEN, each named when missing', () => {
    for (const [missing, env] of [
      ['SLACK_TEAM_IDS', { ...slack, SLACK_APP_IDS: 'A0AIRLOCK' }],
      ['SLACK_APP_IDS', { ...slack, SLACK_TEAM_IDS: 'T0TEAM' }],
    ] as const) {
      assert.throws(() => parseEnv(env), (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.field === missing), missing);
    }
    assert.deepEqual(parseEnv({}).SLACK_TEAM_IDS, [], 'not needed without Slack');
  });

  it('they are comma-separated lists of team (T…, E…) and app (A…) ids', () => {
    const env = parseEnv({ ...slack, SLACK_TEAM_IDS: 'T0TEAM, E0GRID', SLACK_APP_IDS: 'A0AIRLOCK' });
    assert.deepEqual(env.SLACK_TEAM_IDS, ['T0TEAM', 'E0GRID']);
    assert.deepEqual(env.SLACK_APP_IDS, ['A0AIRLOCK']);
    assert.throws(() => parseEnv({ ...slack, SLACK_TEAM_IDS: 'T0TEAM,A0WRONG', SLACK_APP_IDS: 'A0AIRLOCK' }), /SLACK_TEAM_IDS/);
    assert.throws(() => parseEnv({ ...slack, SLACK_TEAM_IDS: 'T0TEAM', SLACK_APP_IDS: 'app' }), /SLACK_APP_IDS/);
  });
});
