// Checks the import rules of ARCHITECTURE.md on the source itself.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/**
 * Folders under src/ and what each may import; `types` allows `import type` only. `logger`
 * (src/logger.ts) may be used anywhere.
 */
const rules: Record<string, { values: string[]; types: string[] }> = {
  db: { values: ['db'], types: ['db'] },
  runners: { values: ['runners', 'runners/stats'], types: ['runners', 'runners/stats'] },
  resolvers: {
    values: ['resolvers', 'db', 'runners/stats'],
    types: ['resolvers', 'db', 'runners', 'runners/stats'],
  },
  engine: {
    values: ['engine', 'resolvers', 'db', 'logger'],
    types: ['engine', 'resolvers', 'db', 'runners', 'logger'],
  },
  schema: { values: ['schema', 'resolvers'], types: ['schema', 'resolvers', 'db', 'runners'] },
  http: {
    values: ['http', 'schema', 'resolvers', 'db', 'logger'],
    types: ['http', 'schema', 'resolvers', 'db', 'runners', 'logger'],
  },
};

function sourceFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

/** Each relative import of a file: the src/ folder it lands in, and whether it is type-only. */
function importsOf(file: string): Array<{ folder: string; typeOnly: boolean; text: string }> {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const match of text.matchAll(/^(import|export)(\s+type)?\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    const target = relative(src, resolve(dirname(file), match[3]!));
    // The statistics of src/runners/stats/ touch nothing; services may use them too.
    const folder = target.startsWith('runners/stats/')
      ? 'runners/stats'
      : target.includes('/')
        ? target.split('/')[0]!
        : target === 'logger.ts'
          ? 'logger'
          : '(entry point)';
    found.push({ folder, typeOnly: Boolean(match[2]), text: match[0].split('\n')[0]! });
  }
  return found;
}

describe('import rules', () => {
  for (const [folder, allowed] of Object.entries(rules)) {
    it(`src/${folder}/ imports only what ARCHITECTURE.md allows`, () => {
      const violations = sourceFiles(join(src, folder)).flatMap((file) =>
        importsOf(file)
          .filter((i) => !(i.typeOnly ? allowed.types : allowed.values).includes(i.folder))
          .map((i) => `${relative(root, file)}: ${i.text}`),
      );
      expect(violations).toEqual([]);
    });
  }

  it('covers every folder of src/', () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => !rules[folder])).toEqual([]);
  });
});
