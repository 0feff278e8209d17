// The audit record nobody can quietly change: a keyed chain with an anchor, triggers that
// refuse changes to what is final, and runs sealed by digests that `audit verify` checks.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { Queryable } from '../src/db/rows.ts';
import { auditAnchor, auditLog } from '../src/db/schema.ts';
import { localOperator } from '../src/resolvers/core/actor.ts';
import {
  anchorMac,
  auditHash,
  GENESIS_HASH,
  recordAudit,
  writeAnchor,
} from '../src/resolvers/core/audit.ts';
import {
  openAuditChain,
  sealLegacyChain,
  verifyAuditChain,
} from '../src/resolvers/core/audit-chain.ts';
import { resolveAuditKey } from '../src/resolvers/core/audit-key.ts';
import { verifyAuditRecord } from '../src/resolvers/runs/audit-verify.ts';
import { startHub } from '../src/server.ts';
import { graphql } from './gql/index.ts';
import { openTestDatabase, TEST_AUDIT_KEY } from './support/database.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import { startHubProcess } from './support/process.ts';
import { expectType, RegisterModel, RegisterModelVersion } from './support/registry-documents.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';

const AuditChain = graphql(`
  query AuditChain {
    auditChain { ok records reason firstBrokenRecord { id action actor } }
  }
`);

const key = Buffer.from(TEST_AUDIT_KEY);
let t: TestHub;
const files = tempFolder();

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner] });
  writeTree(files.path, { 'm.onnx': onnxBytes('m') });
  await t.graphql(RegisterModel, { input: { project: 'p', name: 'm', task: 'OTHER' } });
  const model = await t.graphql(RegisterModelVersion, {
    input: { model: 'p/m', uri: `${files.path}/m.onnx`, format: 'ONNX' },
  });
  const version = expectType(model.data.registerModelVersion, 'RegisterModelVersionPayload')
    .modelVersion.id;
  const { data } = await t.graphql(StartRun, {
    input: {
      project: 'p',
      runner: 'emit',
      inputs: [{ role: 'model', version }],
      config: {
        metrics: [{ key: 'accuracy', value: 0.61 }],
        findings: [{ kind: 'bias', severity: 'HIGH', title: 'worse on night images' }],
      },
    },
  });
  const { run } = expectType(data.startRun, 'StartRunPayload');
  expect((await waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED'])).status).toBe('SUCCEEDED');
});

afterAll(async () => {
  await t.close();
  files.remove();
});

/** The database's error for `statement`, or null when it went through. */
async function refusal(db: Queryable, statement: SQL): Promise<string | null> {
  return db.execute(statement).then(
    () => null,
    (e: Error & { cause?: Error }) => e.cause?.message ?? e.message,
  );
}

class Undo extends Error {}

/**
 * Does what someone who can drop the triggers (the database owner) could do, inside a
 * transaction that is rolled back afterwards, and returns what `check` found meanwhile.
 */
async function behindTheHubsBack<T>(
  tamper: (tx: Queryable) => Promise<void>,
  check: (tx: Queryable) => Promise<T>,
): Promise<T> {
  let found: T | undefined;
  await t.database.db
    .transaction(async (tx) => {
      await tamper(tx);
      found = await check(tx);
      throw new Undo();
    })
    .catch((error) => {
      if (!(error instanceof Undo)) throw error;
    });
  return found as T;
}

describe('the audit record', () => {
  it('holds, with a run.end record sealing what the run took and concluded', async () => {
    expect(await verifyAuditRecord(t.database.db, key)).toMatchObject({
      ok: true,
      reason: null,
      firstBroken: null,
    });
    const [end] = await t.database.db
      .select()
      .from(auditLog)
      .where(sql`${auditLog.action} = 'run.end'`);
    expect(end).toMatchObject({
      actor: 'system:hub',
      details: {
        status: 'SUCCEEDED',
        digests: {
          run: expect.stringMatching(/^sha256:/),
          inputs: expect.stringMatching(/^sha256:/),
          metrics: expect.stringMatching(/^sha256:/),
          findings: expect.stringMatching(/^sha256:/),
        },
      },
    });
    expect(end!.hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const { data } = await t.graphql(AuditChain);
    expect(data.auditChain).toMatchObject({ ok: true, reason: null, firstBrokenRecord: null });
    expect(data.auditChain!.records).toBeGreaterThan(4);
  });

  it('is shown to hub admins only', async () => {
    const { data } = await t.graphql(AuditChain, undefined, { as: memberOf('v', ['p'], 'viewer') });
    expect(data.auditChain).toBeNull();
  });

  it('refuses UPDATE, DELETE and TRUNCATE of what is final, on the database itself', async () => {
    const db = t.database.db;
    const refused = {
      'update audit_log': sql`update audit_log set actor = 'someone else'`,
      'delete the newest audit record': sql`delete from audit_log where id = (select max(id) from audit_log)`,
      'truncate audit_log': sql`truncate audit_log`,
      'delete the anchor': sql`delete from audit_anchor`,
      'update a metric': sql`update metrics set value = 0.99`,
      'delete a metric': sql`delete from metrics`,
      'truncate metrics': sql`truncate metrics cascade`,
      'update a finding': sql`update findings set severity = 'LOW'`,
      'delete a finding': sql`delete from findings`,
      'update an input': sql`update run_inputs set role = 'other'`,
      'delete an input': sql`delete from run_inputs`,
      'truncate outputs': sql`truncate run_outputs`,
      "change a finished run's config": sql`update runs set config = '{}'::jsonb`,
      'delete a finished run': sql`delete from runs`,
      'update a model version': sql`update model_versions set digest = 'sha256:00'`,
      'delete a model version': sql`delete from model_versions`,
    };
    for (const [what, statement] of Object.entries(refused))
      expect(await refusal(db, statement), what).toMatch(/refused/);
    expect(await verifyAuditRecord(db, key)).toMatchObject({ ok: true });
  });

  it("catches a metric changed behind the hub's back (triggers dropped)", async () => {
    const report = await behindTheHubsBack(
      async (tx) => {
        await tx.execute(sql`drop trigger metrics_finished_frozen on metrics`);
        await tx.execute(sql`update metrics set value = 0.99 where key = 'accuracy'`);
      },
      (tx) => verifyAuditRecord(tx, key),
    );
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ action: 'run.end', actor: 'system:hub' });
    expect(report.reason).toMatch(/its metrics no longer match/);
  });

  it('catches a chain recomputed without the key', async () => {
    const forger = Buffer.from('not-the-hubs-key-but-long-enough-to-be-one');
    const report = await behindTheHubsBack(
      async (tx) => {
        await tx.execute(sql`drop trigger audit_log_append_only on audit_log`);
        const rows = await tx.select().from(auditLog).orderBy(auditLog.id);
        let prevHash = rows[0]!.prevHash;
        for (const row of rows) {
          const details = { ...(row.details as Record<string, unknown>), forged: true };
          const hash = auditHash(forger, prevHash, { ...row, details });
          await tx
            .update(auditLog)
            .set({ details, prevHash, hash })
            .where(sql`${auditLog.id} = ${row.id}`);
          prevHash = hash;
        }
        const anchor = { records: rows.length, legacyRecords: 0, head: prevHash };
        await tx.update(auditAnchor).set({ ...anchor, mac: anchorMac(forger, anchor) });
      },
      (tx) => verifyAuditRecord(tx, key),
    );
    expect(report).toMatchObject({ ok: false, records: 0, firstBroken: { id: 1 } });
    expect(report.reason).toMatch(/hashed without the key/);
  });

  it('catches the newest records cut with the anchor rolled back, against the head a reader noted', async () => {
    const noted = await verifyAuditRecord(t.database.db, key);
    expect(noted).toMatchObject({ ok: true, head: expect.stringMatching(/^hmac-sha256:/) });
    expect(await verifyAuditRecord(t.database.db, key, noted)).toMatchObject({ ok: true });

    // Whoever can delete rows can also put back the anchor they saved before the newest
    // records: made with the key, it vouches for the shorter chain.
    const [cut, replayed] = await behindTheHubsBack(
      async (tx) => {
        await tx.execute(sql`drop trigger audit_log_append_only on audit_log`);
        const [newest] = await tx
          .select()
          .from(auditLog)
          .orderBy(sql`${auditLog.id} desc`)
          .limit(1);
        await tx.delete(auditLog).where(sql`${auditLog.id} = ${newest!.id}`);
        const [anchor] = await tx.select().from(auditAnchor);
        await writeAnchor(tx, key, {
          records: anchor!.records - 1,
          legacyRecords: anchor!.legacyRecords,
          head: newest!.prevHash,
        });
      },
      async (tx) => [await verifyAuditChain(tx, key), await verifyAuditRecord(tx, key, noted)],
    );
    expect(cut).toMatchObject({ reason: null, checked: noted.records - 1 });
    expect(replayed).toMatchObject({ ok: false, firstBroken: null });
    expect(replayed.reason).toMatch(
      new RegExp(
        `anchor rolled back with them \\(you noted ${noted.records} records, ${noted.records - 1} remain\\)`,
      ),
    );

    // A head noted at a place the chain now holds another record: rewritten.
    const [first] = await t.database.db.select().from(auditLog).orderBy(auditLog.id).limit(1);
    const rewritten = await verifyAuditRecord(t.database.db, key, {
      records: 1,
      head: `hmac-sha256:${'0'.repeat(64)}`,
    });
    expect(rewritten).toMatchObject({ ok: false, records: 0, firstBroken: { id: first!.id } });
    expect(rewritten.reason).toMatch(/not the record 1 you noted/);
  });

  it('catches the newest record deleted, and the hub then refuses to start', async () => {
    const db = t.database.db;
    await db.execute(sql`drop trigger audit_log_append_only on audit_log`);
    await db.execute(sql`delete from audit_log where id = (select max(id) from audit_log)`);
    const report = await verifyAuditRecord(db, key);
    expect(report).toMatchObject({ ok: false, firstBroken: null });
    expect(report.reason).toMatch(/records were removed/);
    await expect(
      startHub({
        config: { ...loadConfig({}), port: 0, auditKey: TEST_AUDIT_KEY },
        database: t.database,
      }),
    ).rejects.toThrow(/audit chain does not verify.*records were removed.*evalhub audit verify/s);
  });

  it('catches the whole record wiped, anchor and all', async () => {
    const db = t.database.db;
    await db.execute(sql`drop trigger if exists audit_log_append_only on audit_log`);
    await db.execute(sql`drop trigger if exists audit_anchor_kept on audit_anchor`);
    await db.execute(sql`delete from audit_log`);
    await db.execute(sql`delete from audit_anchor`);
    const report = await verifyAuditRecord(db, key);
    expect(report).toMatchObject({ ok: false, records: 0 });
    expect(report.reason).toMatch(/gone, yet the database holds projects/);
  });
});

describe('a chain made before it had a key', () => {
  it('stops the hub until the operator seals it under the key, then verifies', async () => {
    const database = await openTestDatabase();
    try {
      const db = database.db;
      let prevHash = GENESIS_HASH;
      for (const action of ['project.create', 'model.register']) {
        const row = {
          at: new Date(),
          actor: 'local:before',
          action,
          projectId: null,
          targetType: 'Project',
          targetId: null,
          details: {},
        };
        const hash = auditHash(null, prevHash, row);
        await db.insert(auditLog).values({ ...row, prevHash, hash });
        prevHash = hash;
      }
      // It looks like a chain rebuilt without the key and its anchor deleted: only the
      // operator can tell them apart.
      await expect(openAuditChain(db, key)).rejects.toThrow(
        /2 records were hashed without a key.*evalhub audit seal/s,
      );
      expect(await sealLegacyChain(db, key)).toEqual({ sealed: 2, head: prevHash });
      await openAuditChain(db, key);
      expect(await sealLegacyChain(db, key)).toMatchObject({ reason: expect.any(String) });
      const [anchor] = await db.select().from(auditAnchor);
      expect(anchor).toMatchObject({ records: 2, legacyRecords: 2, head: prevHash });
      expect(await verifyAuditRecord(db, key)).toMatchObject({ ok: true, records: 2 });
      // A record from then on is keyed, and the chain still verifies.
      await db.transaction((tx) =>
        recordAudit(tx, localOperator('after'), {
          action: 'project.create',
          projectId: null,
          targetType: 'Project',
          targetId: null,
        }),
      );
      expect(await verifyAuditRecord(db, key)).toMatchObject({ ok: true, records: 3 });
      expect(
        await verifyAuditRecord(db, Buffer.from('another-key-of-32-characters-or-more')),
      ).toMatchObject({ ok: false });
    } finally {
      await database.close();
    }
  });
});

describe('the audit key', () => {
  it('is required with PostgreSQL, saying how to make one', () => {
    expect(() => resolveAuditKey({ given: undefined, kind: 'postgres', dataDir: '' })).toThrow(
      /EVALHUB_AUDIT_KEY is needed with PostgreSQL.*openssl rand -hex 32/,
    );
    expect(() => resolveAuditKey({ given: 'short', kind: 'postgres', dataDir: '' })).toThrow(
      /too short/,
    );
  });

  it('is kept in an embedded database folder (owner only), and `evalhub audit verify` uses it', async () => {
    const data = tempFolder();
    try {
      const env = { DATABASE_URL: '', EVALHUB_AUDIT_KEY: '', EVALHUB_DATA_DIR: data.path };
      const hub = await startHubProcess(['serve'], { ...env, EVALHUB_WORKERS: '0' });
      const made = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query:
            'mutation { registerModel(input: {project: "k", name: "m", task: OTHER}) { __typename } }',
        }),
      });
      expect(made.status).toBe(200);
      expect(await hub.stop()).toBe(0);
      expect(statSync(join(data.path, 'audit.key')).mode & 0o777).toBe(0o600);
      const verify = await startHubProcess(['audit', 'verify'], env);
      expect(await verify.exited).toBe(0);
      expect(verify.output()).toMatch(/the audit record holds: 2 records verified/);
      const since = verify.output().match(/evalhub audit verify --since (\S+)/)![1]!;
      const again = await startHubProcess(['audit', 'verify', '--since', since], env);
      expect(await again.exited).toBe(0);
      expect(again.output()).toMatch(/record 2 the one you noted/);
      const longer = await startHubProcess(
        ['audit', 'verify', '--since', since.replace(/^2:/, '3:')],
        env,
      );
      expect(await longer.exited).toBe(1);
      expect(longer.output()).toMatch(/BROKEN after 2 verified records: .*you noted 3 records/);
      const forged = await startHubProcess(['audit', 'verify'], {
        ...env,
        EVALHUB_AUDIT_KEY: 'a-key-that-did-not-write-this-chain-000',
      });
      expect(await forged.exited).toBe(1);
      expect(forged.output()).toMatch(/BROKEN after 0 verified records, at record 1/);
    } finally {
      data.remove();
    }
  }, 600_000); // starts the evalhub command five times: slow on a busy machine
});
