// Rotating the signing key: a hub restarted with a new EVALHUB_SIGNING_KEY publishes it beside
// the old one, and evidence the old key signed still verifies, in a bundle the new key seals.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProvenanceBundle } from '../src/resolvers/provenance/format.ts';
import { verifyBundle } from '../src/resolvers/provenance/verify.ts';
import { tempFolder } from './support/files.ts';
import { startHubProcess } from './support/process.ts';

// Each test starts hub processes, which take long on a busy machine: the limit is generous.
const PROCESS_TEST_MS = 300_000;

async function call(url: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers to the documents written here
  const body = (await response.json()) as { data: Record<string, any>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

function newKeyFile(path: string): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return path;
}

const keyIds = async (url: string) =>
  ((await (await fetch(`${url}/api/v1/keys`)).json()) as { keys: { keyId: string }[] }).keys.map(
    (key) => key.keyId,
  );

describe('key rotation', () => {
  it(
    'keeps the old key published, and what it signed verifiable, after a restart with a new one',
    async () => {
      const data = tempFolder();
      const env = (key: string) => ({
        DATABASE_URL: '',
        EVALHUB_DATA_DIR: `${data.path}/db`,
        EVALHUB_SIGNING_KEY: key,
      });
      try {
        const first = await startHubProcess(['serve'], env(newKeyFile(join(data.path, 'a.pem'))));
        const opened = await call(
          first.url,
          `mutation($input: OpenExternalRunInput!) { openExternalRun(input: $input) {
             ... on RunPayload { run { id } } } }`,
          { input: { project: 'rotation', runner: 'notebook', runnerVersion: '1', seed: 3 } },
        );
        const runId = opened.openExternalRun.run.id as string;
        const finished = await call(
          first.url,
          `mutation($input: FinishExternalRunInput!) { finishExternalRun(input: $input) {
             ... on RunPayload { run { status attestation { keyId } } } } }`,
          { input: { run: runId, status: 'SUCCEEDED' } },
        );
        const oldKey = finished.finishExternalRun.run.attestation.keyId as string;
        expect(await keyIds(first.url)).toEqual([oldKey]);
        expect(await first.stop('SIGTERM')).toBe(0);

        const second = await startHubProcess(['serve'], env(newKeyFile(join(data.path, 'b.pem'))));
        try {
          const published = await keyIds(second.url);
          expect(published).toHaveLength(2);
          expect(published[0]).toBe(oldKey);
          const newKey = published[1]!;
          const bundle = (await (
            await fetch(`${second.url}/api/v1/lineage/${runId}/bundle`)
          ).json()) as ProvenanceBundle;
          expect(bundle.runs[0]!.attestation.signatures[0]!.keyid).toBe(oldKey);
          expect(bundle.checkpoint.signatures[0]!.keyid).toBe(newKey);
          expect(bundle.keys.map((key) => key.keyId).sort()).toEqual([oldKey, newKey].sort());
          expect(verifyBundle(bundle)).toMatchObject({
            problem: null,
            checked: { attestations: 1 },
          });
        } finally {
          expect(await second.stop('SIGTERM')).toBe(0);
        }
      } finally {
        data.remove();
      }
    },
    PROCESS_TEST_MS,
  );
});
