import type { z } from 'zod';

/**
 * One zod issue as one line for a person: `ptt.timeoutS must be a number between 1 and
 * 3600 (got -1)`, `unknown key ptt.colour`, `stations[0].talking must be true or false
 * (missing)`. `root` prefixes the key path (e.g. "stats"). The schemas give each field
 * its own message (what is allowed); this adds where and what was found.
 */
function describeIssue(issue: z.core.$ZodIssue, root = ''): string {
  // A bad discriminator is reported at the object it selects the shape of.
  const path = issue.code === 'invalid_union' && typeof issue.input === 'object' && issue.input !== null ? issue.path.slice(0, -1) : issue.path;
  const where = [root, ...path].reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? String(p) : `${acc}.${String(p)}`), '');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (where ? `${where}.${k}` : k));
    return `unknown key${keys.length === 1 ? '' : 's'} ${keys.join(', ')}`;
  }
  if (issue.code === 'custom') return `${where}: ${issue.message}`;
  const got = issue.input === undefined ? 'missing' : `got ${preview(issue.input)}`;
  return `${where || 'the value'} ${issue.message} (${got})`;
}

/** The first issue, and how many more there are, in one line. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root = ''): string {
  const [first, ...rest] = issues;
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
  return `${first ? describeIssue(first, root) : 'invalid'}${more}`;
}

function preview(v: unknown): string {
  const json = JSON.stringify(v) ?? String(v);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}
