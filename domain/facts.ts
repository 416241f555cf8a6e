// Facts about an action that the agent does not control: read from the
// configuration and from the parameters themselves. Pure, so the API and the
// assessment activity compute exactly the same thing.
import type { FoundImpact, Resource, Sensitivity } from './action.js';
import type { ResourceClass, ToolConfig } from './config.js';

/** Lowest to highest. */
export const SENSITIVITY_ORDER: readonly Sensitivity[] = ['public', 'internal', 'confidential', 'restricted'];

/** The more sensitive of two classifications. */
export function higherSensitivity(a: Sensitivity, b: Sensitivity): Sensitivity {
  return SENSITIVITY_ORDER.indexOf(a) >= SENSITIVITY_ORDER.indexOf(b) ? a : b;
}

/** What an RFC 6901 JSON Pointer points at in `doc`; `found: false` when nothing is there. */
export function resolvePointer(doc: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: doc };
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= node.length) return { found: false };
      node = node[Number(token)];
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: node };
}

/** A number read from the parameters: a number, a numeric string, or an array's length. */
function asQuantity(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.abs(value);
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Math.abs(Number(value));
  return undefined;
}

/** The impact the tool's configured pointers find in the parameters. */
export interface ExtractedImpact {
  found: FoundImpact;
  /** Fields whose pointer hit something that is not a quantity: they cannot be checked. */
  unreadable: (keyof FoundImpact)[];
}

/** Reads the impact out of the parameters at the tool's configured JSON Pointers. */
export function extractImpact(parameters: Record<string, unknown>, pointers: ToolConfig['impact']): ExtractedImpact {
  const found: FoundImpact = {};
  const unreadable: (keyof FoundImpact)[] = [];
  for (const field of ['records', 'amountUsd', 'users'] as const) {
    const pointer = pointers[field];
    if (pointer === undefined) continue;
    const hit = resolvePointer(parameters, pointer);
    if (!hit.found || hit.value === null) continue;
    const quantity = asQuantity(hit.value);
    if (quantity === undefined) unreadable.push(field);
    else found[field] = quantity;
  }
  return { found, unreadable };
}

function idGlob(pattern: string): RegExp {
  const source = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$+.()|[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's');
}

/**
 * The sensitivity of everything the action touches: the tool's floor, and for
 * each resource the highest of the catalog entries it matches (or
 * `unclassified` when none does) and the agent's claim. A claim can only raise
 * it: "public" on a resource nobody classified still counts as `unclassified`.
 * An action with no resources on a tool with no floor counts as `unclassified`.
 */
export function resolveSensitivities(
  resources: readonly Resource[],
  catalog: readonly ResourceClass[],
  toolFloor: Sensitivity | undefined,
  unclassified: Sensitivity,
): Sensitivity[] {
  const out: Sensitivity[] = toolFloor ? [toolFloor] : [];
  const compiled = catalog.map((c) => ({ ...c, re: idGlob(c.id) }));
  for (const resource of resources) {
    const matches = compiled.filter((entry) => entry.type === resource.type && entry.re.test(resource.id)).map((entry) => entry.sensitivity);
    const known = matches.length > 0 ? matches.reduce(higherSensitivity) : unclassified;
    out.push(resource.sensitivity ? higherSensitivity(known, resource.sensitivity) : known);
  }
  return out.length > 0 ? out : [unclassified];
}
