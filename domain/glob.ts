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

type GlobToken = { kind: 'char'; ch: string } | { kind: 'one' } | { kind: 'segment' } | { kind: 'any' };

function tokens(pattern: string): GlobToken[] {
  const out: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      out.push({ kind: 'any' });
      i++;
    } else if (ch === '*') out.push({ kind: 'segment' });
    else if (ch === '?') out.push({ kind: 'one' });
    else out.push({ kind: 'char', ch });
  }
  return out;
}

/**
 * True when every name `inner` matches is also matched by `outer`. Conservative:
 * it may say false for an inclusion that needs reasoning across several
 * wildcards, never true for one that does not hold (a session's allowed tools
 * must stay within its agent's).
 */
export function globIncludes(outer: string, inner: string): boolean {
  const q = tokens(outer);
  const p = tokens(inner);
  const memo = new Map<number, boolean>();
  const within = (i: number, j: number): boolean => {
    const key = i * (q.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    const a = p[i];
    const b = q[j];
    if (b === undefined) result = a === undefined;
    else if (b.kind === 'any') result = within(i, j + 1) || (a !== undefined && within(i + 1, j));
    else if (b.kind === 'segment') {
      // `*` stays within a segment: it covers any character but a dot, `?` and `*`, never `**`.
      const absorbs = a !== undefined && (a.kind === 'one' || a.kind === 'segment' || (a.kind === 'char' && a.ch !== '.'));
      result = within(i, j + 1) || (absorbs && within(i + 1, j));
    } else if (a === undefined) result = false;
    else if (b.kind === 'one') result = (a.kind === 'one' || (a.kind === 'char' && a.ch !== '.')) && within(i + 1, j + 1);
    else result = a.kind === 'char' && a.ch === b.ch && within(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return within(0, 0);
}

/** True when `pattern` matches nothing that `patterns` do not (see {@link globIncludes}). */
export function isWithin(pattern: string, patterns: readonly string[]): boolean {
  return patterns.some((outer) => globIncludes(outer, pattern));
}
