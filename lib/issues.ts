import { z } from 'zod';

/** One invalid field, named by its dotted path (`resources[0].sensitivity`). */
export const FieldIssue = z.object({ field: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;

/** Renders a zod path as people write it: `agents[0].keySha256`. */
export function fieldPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    // Keys that are not plain names (dotted tool names, say) are quoted so the path stays unambiguous.
    else if (!/^[A-Za-z_$][\w$]*$/.test(String(part))) out += `[${JSON.stringify(String(part))}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** Every issue of a zod error, each naming its field. */
export function fieldIssues(error: z.ZodError, root = ''): FieldIssue[] {
  return error.issues.flatMap((issue) =>
    // An unknown key is a mistake in that key, so name it rather than its parent.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldPath([...issue.path, key], root), message: 'unknown field' }))
      : [{ field: fieldPath(issue.path, root), message: issue.message }],
  );
}
