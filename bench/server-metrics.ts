/** What the Temporal server did for one side of a leg: its own counters, read before and after. */

/** Requests the server's frontend answered and persistence operations it made, by operation. */
export type ServerCounts = Map<string, number>;

const COUNTED = /^(service_requests|persistence_requests)\{([^}]*)\} ([0-9.e+]+)$/;

/** Reads the server's counters (frontend requests as `rpc:<op>`, persistence operations as `db:<op>`). */
export async function readServerCounts(metricsUrl: string): Promise<ServerCounts> {
  const text = await (await fetch(metricsUrl)).text();
  const counts: ServerCounts = new Map();
  for (const line of text.split('\n')) {
    const m = COUNTED.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (m[1] === 'service_requests' && labels.service_name !== 'frontend') continue;
    const key = `${m[1] === 'service_requests' ? 'rpc' : 'db'}:${labels.operation ?? '?'}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[3]));
  }
  return counts;
}

/** `after - before`, per operation, dropping those that did not move. */
export function countsSince(before: ServerCounts, after: ServerCounts): ServerCounts {
  const delta: ServerCounts = new Map();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d > 0) delta.set(key, d);
  }
  return delta;
}

/** Adds `b` into `a`. */
export function addCounts(a: ServerCounts, b: ServerCounts): ServerCounts {
  const sum = new Map(a);
  for (const [key, value] of b) sum.set(key, (sum.get(key) ?? 0) + value);
  return sum;
}
