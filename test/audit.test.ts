// Every change leaves a hash-chained audit record in its own transaction.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '../src/db/rows.ts';
import { verifyAuditChain } from '../src/resolvers/core/audit-chain.ts';
import { TEST_AUDIT_KEY } from './support/database.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import {
  DefineWorkflow,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';
import { countRows } from './support/rows.ts';

let t: TestHub;
const files = tempFolder();

beforeAll(async () => {
  t = await startTestHub();
  writeTree(files.path, { 'm.onnx': onnxBytes('m'), 'd/a/1.png': 'one' });
  await t.graphql(RegisterModel, { input: { project: 'p', name: 'm', task: 'OTHER' } });
  await t.graphql(RegisterModelVersion, {
    input: { model: 'p/m', uri: `${files.path}/m.onnx`, format: 'ONNX' },
  });
  await t.graphql(RegisterDataset, { input: { project: 'p', name: 'd', task: 'OTHER' } });
  await t.graphql(RegisterDatasetVersion, {
    input: { dataset: 'p/d', uri: `${files.path}/d`, format: 'IMAGE_FOLDER' },
  });
  await t.graphql(DefineWorkflow, {
    input: { project: 'p', name: 'w', spec: { steps: [{ id: 'a', runner: 'profile-dataset' }] } },
  });
});

afterAll(async () => {
  await t.close();
  files.remove();
});

describe('audit log', () => {
  it('holds one record per change, naming actor, action and target', async () => {
    const rows = await selectRows<{ actor: string; action: string; target_type: string }>(
      t.database.db,
      sql`select actor, action, target_type from audit_log order by id`,
    );
    expect(rows.map((r) => `${r.actor} ${r.action} ${r.target_type}`)).toEqual([
      'local:tester project.create Project',
      'local:tester model.register Model',
      'local:tester model.version.register ModelVersion',
      'local:tester dataset.register Dataset',
      'local:tester dataset.version.register DatasetVersion',
      'local:tester workflow.register Workflow',
      'local:tester workflow.version.define WorkflowVersion',
    ]);
  });

  it('writes nothing for a change that returns what already existed', async () => {
    const before = await countRows(t, 'audit_log');
    await t.graphql(RegisterModelVersion, {
      input: { model: 'p/m', uri: `${files.path}/m.onnx`, format: 'ONNX' },
    });
    await t.graphql(RegisterModel, { input: { project: 'p', name: 'm', task: 'OTHER' } });
    expect(await countRows(t, 'audit_log')).toBe(before);
  });

  it('verifies as an unbroken keyed chain, read in pages', async () => {
    expect(
      await verifyAuditChain(t.database.db, Buffer.from(TEST_AUDIT_KEY), { pageSize: 3 }),
    ).toEqual({
      checked: 7,
      brokenAt: null,
      reason: null,
      head: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/),
    });
  });

  it('detects an altered record (its triggers dropped first)', async () => {
    await t.database.db.execute(sql`drop trigger audit_log_append_only on audit_log`);
    await t.database.db.execute(
      sql`update audit_log set details = details || '{"version": "v9"}' where action = 'model.version.register'`,
    );
    const [row] = await selectRows<{ id: number }>(
      t.database.db,
      sql`select id::int from audit_log where action = 'model.version.register'`,
    );
    expect(await verifyAuditChain(t.database.db, Buffer.from(TEST_AUDIT_KEY))).toMatchObject({
      checked: 2,
      brokenAt: row!.id,
    });
  });
});
