// Checks the rules of ARCHITECTURE.md on the source itself: which part of src/ may import
// which, and that no file imports itself through others (no cycles, type imports included).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/**
 * The parts of src/, most specific first: a file belongs to the first whose prefix its path
 * (relative to src/) starts with.
 */
const parts = [
  'db/',
  'runners/stats/',
  'runners/input-error.ts',
  'runners/protocol.ts',
  'runners/',
  'resolvers/core/',
  'resolvers/content/',
  'resolvers/registry/',
  'resolvers/search/',
  'resolvers/evidence/',
  'resolvers/runs/',
  'resolvers/workflows/',
  'resolvers/lineage/',
  'resolvers/compare/',
  'resolvers/report/',
  'resolvers/interop/openlineage/',
  'resolvers/interop/checkmaite/',
  'resolvers/identity/',
  'resolvers/provenance/',
  'resolvers/loaders.ts',
  'engine/',
  'schema/',
  'http/',
  'client/',
  'logger.ts',
  'config.ts',
  'cli.ts',
  'cli/',
  'server.ts',
] as const;
type Part = (typeof parts)[number];

/**
 * What each part may import, as prefixes of parts (`resolvers/` is every service; `*` is
 * anything): `values` for any import, `types` for `import type` only.
 */
const rules: Record<Part, { values: string[]; types?: string[] }> = {
  'db/': { values: ['db/'] },
  'runners/stats/': { values: ['runners/stats/', 'runners/input-error.ts'] },
  'runners/input-error.ts': { values: [] },
  'runners/protocol.ts': { values: [] },
  'runners/': {
    values: ['runners/', 'runners/stats/', 'runners/input-error.ts', 'runners/protocol.ts'],
  },
  'resolvers/core/': { values: ['resolvers/core/', 'db/'], types: ['runners/'] },
  'resolvers/content/': { values: ['resolvers/content/', 'resolvers/core/', 'db/'] },
  'resolvers/registry/': {
    values: ['resolvers/registry/', 'resolvers/content/', 'resolvers/core/', 'db/'],
    types: ['runners/'],
  },
  'resolvers/search/': { values: ['resolvers/search/', 'resolvers/core/', 'db/'] },
  'resolvers/evidence/': { values: ['resolvers/evidence/', 'resolvers/core/', 'db/'] },
  'resolvers/runs/': {
    values: [
      'resolvers/runs/',
      'resolvers/search/',
      'resolvers/evidence/',
      'resolvers/registry/',
      'resolvers/content/',
      'resolvers/core/',
      'db/',
      'runners/protocol.ts',
    ],
    types: ['runners/'],
  },
  'resolvers/workflows/': {
    values: [
      'resolvers/workflows/',
      'resolvers/runs/',
      'resolvers/registry/',
      'resolvers/core/',
      'db/',
    ],
    types: ['runners/'],
  },
  'resolvers/lineage/': {
    values: ['resolvers/lineage/', 'resolvers/registry/', 'resolvers/core/', 'db/'],
  },
  'resolvers/compare/': {
    values: ['resolvers/compare/', 'resolvers/runs/', 'resolvers/core/', 'db/', 'runners/stats/'],
  },
  'resolvers/report/': {
    values: [
      'resolvers/report/',
      'resolvers/workflows/',
      'resolvers/runs/',
      'resolvers/core/',
      'db/',
    ],
  },
  'resolvers/interop/openlineage/': {
    values: [
      'resolvers/interop/openlineage/',
      'resolvers/workflows/',
      'resolvers/runs/',
      'resolvers/registry/',
      'resolvers/content/',
      'resolvers/core/',
      'db/',
    ],
    types: ['runners/'],
  },
  'resolvers/interop/checkmaite/': {
    values: [
      'resolvers/interop/checkmaite/',
      'resolvers/interop/openlineage/',
      'resolvers/workflows/',
      'resolvers/runs/',
      'resolvers/registry/',
      'resolvers/core/',
      'db/',
    ],
    types: ['runners/'],
  },
  'resolvers/identity/': {
    values: ['resolvers/identity/', 'resolvers/registry/', 'resolvers/core/', 'db/'],
  },
  'resolvers/provenance/': {
    values: [
      'resolvers/provenance/',
      'resolvers/lineage/',
      'resolvers/runs/',
      'resolvers/evidence/',
      'resolvers/content/',
      'resolvers/core/',
      'db/',
    ],
  },
  'resolvers/loaders.ts': {
    values: [
      'resolvers/report/',
      'resolvers/evidence/',
      'resolvers/registry/',
      'resolvers/runs/',
      'resolvers/core/',
      'db/',
    ],
    types: ['runners/'],
  },
  'engine/': {
    values: [
      'engine/',
      'resolvers/runs/',
      'resolvers/registry/',
      'resolvers/core/',
      'db/',
      'logger.ts',
    ],
    types: ['runners/'],
  },
  'schema/': {
    values: ['schema/', 'resolvers/'],
    types: ['db/', 'runners/'],
  },
  'http/': {
    values: ['http/', 'schema/', 'resolvers/', 'db/', 'logger.ts'],
    types: ['runners/', 'config.ts'],
  },
  'logger.ts': { values: [] },
  'config.ts': { values: [] },
  // The client talks to a hub over HTTP and WebSocket, never to its services.
  'client/': { values: ['client/'] },
  'cli.ts': { values: ['*'] },
  'cli/': {
    values: [
      'cli/',
      'client/',
      'server.ts',
      'config.ts',
      'logger.ts',
      'db/',
      'engine/',
      'http/',
      'schema/',
      'resolvers/',
      'runners/',
    ],
  },
  'server.ts': {
    values: [
      'config.ts',
      'logger.ts',
      'db/',
      'engine/',
      'http/',
      'schema/',
      'resolvers/',
      'runners/',
    ],
  },
};

function sourceFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

function partOf(path: string): Part | undefined {
  return parts.find((part) => path === part || path.startsWith(part));
}

/** A part's rule allows `target` when it names the target's part or a folder containing it. */
function allows(allowed: readonly string[], target: Part): boolean {
  return allowed.some((a) => a === '*' || target === a || target.startsWith(a));
}

interface Import {
  /** The imported file, relative to src/. */
  target: string;
  typeOnly: boolean;
  text: string;
}

/** Each relative import of a file (static, re-exports and dynamic import()). */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const statics = /^(?:import|export)(\s+type)?\s[^;]*?from\s+'(\.[^']+)'/gms;
  const sideEffects = /^import\s+'(\.[^']+)'/gm;
  const dynamics = /\bimport\(\s*'(\.[^']+)'\s*\)/g;
  for (const match of text.matchAll(statics)) {
    found.push({
      target: relative(src, resolve(dirname(file), match[2]!)),
      typeOnly: Boolean(match[1]),
      text: match[0].split('\n')[0]!,
    });
  }
  for (const pattern of [sideEffects, dynamics]) {
    for (const match of text.matchAll(pattern)) {
      found.push({
        target: relative(src, resolve(dirname(file), match[1]!)),
        typeOnly: false,
        text: match[0],
      });
    }
  }
  return found;
}

const files = sourceFiles(src).map((file) => relative(src, file));
const imports = new Map(files.map((file) => [file, importsOf(join(src, file))]));

describe('import rules', () => {
  it('places every file of src/ in a part that ARCHITECTURE.md names', () => {
    expect(files.filter((file) => !partOf(file))).toEqual([]);
  });

  for (const [part, rule] of Object.entries(rules) as Array<[Part, (typeof rules)[Part]]>) {
    it(`src/${part} imports only what ARCHITECTURE.md allows`, () => {
      const violations = files
        .filter((file) => partOf(file) === part)
        .flatMap((file) =>
          imports
            .get(file)!
            .filter((i) => i.target.endsWith('.ts'))
            .filter((i) => {
              const target = partOf(i.target);
              if (!target) return true;
              const allowed = i.typeOnly ? [...rule.values, ...(rule.types ?? [])] : rule.values;
              return !allows(allowed, target);
            })
            .map((i) => `src/${file}: ${i.text}`),
        );
      expect(violations).toEqual([]);
    });
  }
});

/** The import cycles among files: each as the chain of files that leads back to its start. */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    path.push(file);
    for (const { target } of imports.get(file) ?? []) {
      if (!imports.has(target)) continue;
      const seen = state.get(target);
      if (seen === 'visiting') found.push([...path.slice(path.indexOf(target)), target]);
      else if (!seen) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe('import cycles', () => {
  it('the rules themselves allow no cycle between parts', () => {
    // Parts may import themselves; beyond that, what the rules allow must be a hierarchy.
    const edges = new Map(
      (Object.entries(rules) as Array<[Part, (typeof rules)[Part]]>).map(([part, rule]) => [
        part,
        parts.filter(
          (other) => other !== part && allows([...rule.values, ...(rule.types ?? [])], other),
        ),
      ]),
    );
    const looping: string[] = [];
    const reaches = (from: Part, to: Part, seen = new Set<Part>()): boolean => {
      for (const next of edges.get(from) ?? []) {
        if (next === to) return true;
        if (seen.has(next)) continue;
        seen.add(next);
        if (reaches(next, to, seen)) return true;
      }
      return false;
    };
    for (const part of parts) if (reaches(part, part)) looping.push(part);
    expect(looping).toEqual([]);
  });

  it('no file of src/ imports itself through others, type imports included', () => {
    expect(cycles().map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('are found when there is one', () => {
    // The check itself: a cycle put into the graph is reported.
    const [a, b] = ['resolvers/core/errors.ts', 'resolvers/core/refs.ts'];
    const saved = [imports.get(a)!, imports.get(b)!];
    imports.set(a, [{ target: b, typeOnly: true, text: '' }]);
    imports.set(b, [{ target: a, typeOnly: false, text: '' }]);
    try {
      const found = cycles().map((cycle) => [...cycle].sort().join(' '));
      expect(found).toContainEqual([a, a, b].sort().join(' '));
    } finally {
      imports.set(a, saved[0]!);
      imports.set(b, saved[1]!);
    }
  });
});
