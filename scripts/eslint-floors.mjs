// A local ESLint rule: the floors of docs/ARCHITECTURE.md. Each zone names the files it
// governs and what they may not import: other files of the tree (by the path the import
// resolves to, so "../server/x.js" and "../../server/x.js" are the same arrow) and
// packages (by name: "node:crypto", "nats"). A known exception is one (file, target) pair,
// listed in the zone with its reason, so it can be removed when the code no longer needs it.
import path from 'node:path';

/** A glob ("src/server/**", "src/station/tui/*.ts", "node:*") as a RegExp over the whole string. */
export function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // "**/" matches any number of directories (none included); a trailing "**" anything.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const matcher = (globs = []) => {
  const res = globs.map(globToRegExp);
  return (s) => res.some((r) => r.test(s));
};

/** The package a bare specifier names: `blessed-contrib/lib/x.js` is blessed-contrib's, `@scope/a/b` is `@scope/a`'s. */
function packageOf(spec) {
  const parts = spec.split('/');
  return parts.slice(0, spec.startsWith('@') ? 2 : 1).join('/');
}

/** The repository path an import resolves to, .js written for .ts (NodeNext style). */
function resolveImport(fromFile, spec, root) {
  const abs = path.resolve(path.dirname(fromFile), spec);
  return path.relative(root, abs).split(path.sep).join('/').replace(/\.js$/, '.ts');
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the floors of docs/ARCHITECTURE.md' },
    schema: [
      {
        type: 'object',
        properties: {
          zones: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                files: { type: 'array', items: { type: 'string' } },
                ignores: { type: 'array', items: { type: 'string' } },
                forbid: { type: 'array', items: { type: 'string' } },
                allow: { type: 'array', items: { type: 'string' } },
                packages: { type: 'array', items: { type: 'string' } },
                exceptions: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
                why: { type: 'string' },
              },
              required: ['name', 'files', 'why'],
              additionalProperties: false,
            },
          },
        },
        required: ['zones'],
        additionalProperties: false,
      },
    ],
    messages: {
      wrongArrow: '{{zone}}: {{file}} may not import {{target}} ({{why}}; see docs/ARCHITECTURE.md)',
    },
  },
  create(context) {
    const root = context.cwd;
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const zones = (context.options[0]?.zones ?? [])
      .filter((z) => matcher(z.files)(file) && !matcher(z.ignores)(file))
      .map((z) => ({
        ...z,
        forbidden: matcher(z.forbid),
        allowed: matcher(z.allow),
        packageForbidden: matcher(z.packages),
        excepted: matcher(z.exceptions?.[file] ?? []),
      }));
    if (zones.length === 0) return {};
    function check(node, source) {
      if (source === null || source === undefined || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const spec = source.value;
      const relative = spec.startsWith('./') || spec.startsWith('../');
      const target = relative ? resolveImport(context.filename, spec, root) : spec;
      for (const z of zones) {
        const wrong = relative ? z.forbidden(target) && !z.allowed(target) : z.packageForbidden(target) || z.packageForbidden(packageOf(target));
        if (wrong && !z.excepted(target)) context.report({ node: source, messageId: 'wrongArrow', data: { zone: z.name, file, target, why: z.why } });
      }
    }
    return {
      ImportDeclaration: (n) => check(n, n.source),
      ExportAllDeclaration: (n) => check(n, n.source),
      ExportNamedDeclaration: (n) => check(n, n.source),
      ImportExpression: (n) => check(n, n.source),
    };
  },
};

export default { meta: { name: 'opv-floors' }, rules: { floors: rule } };
