/**
 * Tool-name globs. Tool names are dotted (`payments.refund`), so `*` stays within
 * one dotted segment, `**` crosses segments and `?` is one character.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        source += '.*';
        i++;
      } else {
        source += '[^.]*';
      }
    } else if (ch === '?') {
      source += '[^.]';
    } else {
      source += ch.replace(/[\\^$+.()|[\]{}]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** True when `name` matches at least one of `patterns`. */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => globToRegExp(p).test(name));
}
