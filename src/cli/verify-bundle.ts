// Checking a provenance bundle file offline (`evalhub verify`): no hub, no database.
import { readFile } from 'node:fs/promises';
import { digestPath } from '../resolvers/content/digest.ts';
import type { ProvenanceBundle } from '../resolvers/provenance/format.ts';
import { verifyBundle } from '../resolvers/provenance/verify.ts';

/** Checks a bundle file; prints what checked, or the first problem. The exit code. */
export async function verifyFile(
  file: string,
  options: { content: string[]; key: string[] },
): Promise<number> {
  let bundle: ProvenanceBundle;
  try {
    bundle = JSON.parse(await readFile(file, 'utf8')) as ProvenanceBundle;
  } catch (error) {
    console.error(
      `evalhub verify: ${file}: FAILED: not a readable JSON file (${(error as Error).message})`,
    );
    return 1;
  }
  const [pinnedKeys, content] = await Promise.all([
    Promise.all(options.key.map((path) => readFile(path, 'utf8'))),
    Promise.all(
      options.content.map(async (path) => ({ path, digest: (await digestPath(path)).digest })),
    ),
  ]);
  const result = verifyBundle(bundle, {
    pinnedKeys: pinnedKeys.length ? pinnedKeys : undefined,
    content,
  });
  if (result.problem) {
    console.error(`evalhub verify: ${file}: FAILED: ${result.problem}`);
    return 1;
  }
  const { checked } = result;
  console.log(
    `${file}: OK: ${checked.attestations} attestation(s), ${checked.auditRecords} audit record(s), ` +
      `${checked.contents} content(s) checked; signed by key ${checked.keys.join(', ')}` +
      (options.key.length
        ? ' (pinned)'
        : ' (from the bundle: compare it with the hub’s /api/v1/keys)'),
  );
  return 0;
}
