/**
 * Makes agent-supplied text inert in Slack mrkdwn: `&`, `<` and `>` are escaped
 * so no `<!channel>`, `<@U…>` or `<https://evil|innocent>` can be formed, and
 * bare @channel/@here/@everyone get a zero-width joiner so they never ping.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/** A mention for a configured approver: user, user group, or (an operator id) plain text. */
export function mention(id: string): string {
  if (/^[UW][A-Z0-9]{2,}$/.test(id)) return `<@${id}>`;
  if (/^S[A-Z0-9]{2,}$/.test(id)) return `<!subteam^${id}>`;
  return escapeMrkdwn(id);
}

/** Cuts text to `max` characters, saying so. */
export function truncate(text: string, max: number): { text: string; truncated: boolean } {
  return text.length <= max ? { text, truncated: false } : { text: `${text.slice(0, max - 1)}…`, truncated: true };
}
