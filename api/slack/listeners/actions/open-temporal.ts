import type { App, BlockButtonAction } from '@slack/bolt';
import { SLACK_IDS } from '../../../../slack/ids.js';

/** The link button opens the browser by itself; Slack still sends the click, which only needs acknowledging. */
export function register(app: App): void {
  app.action<BlockButtonAction>(SLACK_IDS.openTemporal, async ({ ack }) => {
    await ack();
  });
}
