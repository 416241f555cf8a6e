/**
 * Bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) and
 * zero-width characters (U+200B–U+200D, U+2060, U+FEFF, U+180E): invisible, yet
 * able to reorder or hide what an approver reads.
 */
const INVISIBLE = /[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Replaces every bidi control and zero-width character with a visible `[U+XXXX]` marker. */
export function neutralise(text: string): string {
  return text.replace(INVISIBLE, (c) => `[${codePoint(c)}]`);
}

/**
 * Pretty JSON for a plain-text input: the invisible characters are written as
 * `\uXXXX` escapes, which is the same JSON (they can only occur inside strings)
 * made visible, so an approver editing it cannot be fooled and changes nothing by saving.
 */
export function visibleJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(INVISIBLE, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/**
 * Makes agent-supplied text inert in Slack mrkdwn: invisible characters become
 * visible markers; `&`, `<` and `>` are escaped so no `<!channel>`, `<@U…>` or
 * `<https://evil|innocent>` can be formed; a backtick becomes `ˋ` (U+02CB) so
 * it can neither open nor close a code span or block; and bare
 * @channel/@here/@everyone get a word joiner so they never ping.
 */
export function escapeMrkdwn(text: string): string {
  return neutralise(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('`', '\u02CB')
    // After neutralise: this word joiner is ours, and must survive.
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/** A mention for a configured approver: user, user group, or (an operator id) plain text. */
export function mention(id: string): string {
  if (/^[UW][A-Z0-9]{2,}$/.test(id)) return `<@${id}>`;
  if (/^S[A-Z0-9]{2,}$/.test(id)) return `<!subteam^${id}>`;
  return escapeMrkdwn(id);
}

/**
 * Length of text in UTF-8 bytes. Slack counts characters, but how it counts
 * them (UTF-16 units? code points? after unescaping?) is not documented, and
 * bytes are never fewer than any of those: text that fits in bytes fits.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

const ELLIPSIS = '…';

/**
 * Cuts text to at most `maxBytes` UTF-8 bytes, ending with `…` when cut. Never
 * splits a character, an entity (`&amp;`), a marker (`[U+202E]`) or one of our
 * own `<…>` links and mentions (agent text has no raw `<`: it is escaped first).
 */
export function cutText(text: string, maxBytes: number): { text: string; cut: boolean } {
  if (utf8Length(text) <= maxBytes) return { text, cut: false };
  const budget = maxBytes - utf8Length(ELLIPSIS);
  let kept = '';
  let bytes = 0;
  for (const c of text) {
    const size = utf8Length(c);
    if (bytes + size > budget) break;
    kept += c;
    bytes += size;
  }
  const open = [/&[#a-z0-9]*$/i, /\[(U(\+[0-9A-F]*)?)?$/, /<[^>]*$/].map((re) => kept.search(re)).filter((i) => i >= 0);
  if (open.length > 0) kept = kept.slice(0, Math.min(...open));
  return { text: kept + ELLIPSIS, cut: true };
}
