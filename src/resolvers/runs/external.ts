// Runs recorded from outside the hub: a notebook or a script that computes an evaluation
// itself opens a run, appends what it finds in batches (the events of the command runner's
// protocol), and finishes it. The events are stored and streamed as a hub run's are.
//
// Appends are idempotent: the client numbers its events from 1, and event n is the run's
// event OPENING_EVENTS + n (after its QUEUED and RUNNING status events), so a batch sent
// again stores only what the run does not have yet, and a batch after a gap is refused.
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/connect.ts';
import type { Transaction } from '../../db/rows.ts';
import {
  artifacts,
  runEvents,
  runInputs,
  runs,
  workflows,
  workflowVersions,
} from '../../db/schema.ts';
import type { VersionKind } from '../../runners/contract.ts';
import { programEvent } from '../../runners/protocol.ts';
import { visibleProjects } from '../core/actor.ts';
import { lockAuditChain, recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { decodeGlobalId } from '../core/global-id.ts';
import { parseRef } from '../core/refs.ts';
import { normaliseTags } from '../registry/catalogue.ts';
import { ensureProject, requireRoleInProject } from '../registry/projects.ts';
import { versionKindOf } from '../registry/version-catalogue.ts';
import { selectVersions } from '../registry/version-queries.ts';
import { appendRunEvents, LeaseLostError, type NewRunEvent, TERMINAL_STATUSES } from './events.ts';
import { type CheckedInput, resolveInputVersion } from './inputs.ts';
import { findRun } from './queries.ts';
import { EXTERNAL_SOURCE, queueRun, WORKFLOW_RUNNER } from './queue.ts';
import { checkSeed } from './start.ts';
import { type RunRow, transitionRun } from './status.ts';

/** The hub's own events before the client's first: status QUEUED, then RUNNING. */
const OPENING_EVENTS = 2;
/** Events in one batch, at most. */
export const MAX_BATCH = 1000;

const RUNNER_LABEL = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,99}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface ExternalRunInputRequest {
  role: string;
  /** A version id or "project/name@version"... */
  version?: string | null | undefined;
  /** ...or the sha256 digest of its content. */
  digest?: string | null | undefined;
  kind?: VersionKind | null | undefined;
}

export interface OpenExternalRunInput {
  project: string;
  runner: string;
  runnerVersion: string;
  name?: string | null | undefined;
  config?: unknown;
  seed?: number | null | undefined;
  inputs?: readonly ExternalRunInputRequest[] | null | undefined;
  environment?: unknown;
  tags?: readonly string[] | null | undefined;
  /** A workflow version (id) whose requirements the run is checked against when it succeeds. */
  workflowVersion?: string | null | undefined;
}

/**
 * Checks what a workflow requires of an external run that is succeeding, in the transaction
 * that ends it, before its last status event and its seal. Runs only know that such a run
 * names a workflow version; the workflows domain registers the check (workflows/requirements.ts).
 */
export type ExternalRunCheck = (tx: Transaction, run: RunRow) => Promise<void>;

let checkWorkflow: ExternalRunCheck | null = null;

/** Registers the one check of external runs that name a workflow version. */
export function onExternalRunSucceeding(check: ExternalRunCheck): void {
  checkWorkflow = check;
}

/** The id of a workflow version the actor may see, named by its id. */
async function visibleWorkflowVersion(ctx: ServiceContext, given: string): Promise<string> {
  const path = ['input', 'workflowVersion'];
  const ref = parseRef(given, ['WorkflowVersion'], path, false);
  if (ref.kind !== 'id') throw new ValidationError('a workflow version is named by its id', path);
  const [found] = await ctx.db
    .select({ id: workflowVersions.id })
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(and(eq(workflowVersions.id, ref.id), visibleProjects(ctx.actor, workflows.projectId)));
  if (!found) throw new NotFoundError('workflow version', given);
  return found.id;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkObject(value: unknown, path: string[]): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new ValidationError('a JSON object, please', path);
  return value;
}

/** Opens a RUNNING run recorded by the caller, a contributor in `project`. */
export async function openExternalRun(
  ctx: ServiceContext,
  input: OpenExternalRunInput,
): Promise<RunRow> {
  for (const [field, value] of [
    ['runner', input.runner],
    ['runnerVersion', input.runnerVersion],
  ] as const) {
    if (!RUNNER_LABEL.test(value) || value === WORKFLOW_RUNNER) {
      throw new ValidationError(
        `${field} is a label of 1 to 100 letters, digits and . _ : / @ + - (not "${WORKFLOW_RUNNER}")`,
        ['input', field],
      );
    }
  }
  const config = checkObject(input.config, ['input', 'config']);
  const environment = checkObject(input.environment, ['input', 'environment']);
  const seed = checkSeed(input.seed, ['input', 'seed']);
  const tags = input.tags ? normaliseTags(input.tags, ['input', 'tags']) : [];
  const inputs = await resolveExternalInputs(ctx, input.project, input.inputs ?? []);
  const workflowVersionId = input.workflowVersion
    ? await visibleWorkflowVersion(ctx, input.workflowVersion)
    : undefined;
  return ctx.db.transaction(async (tx) => {
    const project = await ensureProject(tx, ctx.actor, input.project, ['input', 'project']);
    const runner = { id: input.runner, version: input.runnerVersion };
    const queued = await queueRun(tx, ctx.actor.id, {
      projectId: project.id,
      runner,
      config,
      seed,
      inputs,
      maxAttempts: 1,
      name: input.name ?? null,
      tags,
      source: EXTERNAL_SOURCE,
      ...(workflowVersionId ? { workflowVersionId } : {}),
    });
    const run = await transitionRun(tx, queued.id, {
      from: ['QUEUED'],
      to: 'RUNNING',
      reason: `recorded from outside the hub by ${ctx.actor.id}`,
      set: {
        attempt: 1,
        startedAt: new Date(),
        environment: { ...environment, runner, recordedBy: ctx.actor.id },
      },
      parentRunId: null,
    });
    await recordAudit(tx, ctx.actor, {
      action: 'run.open',
      projectId: project.id,
      targetType: 'Run',
      targetId: run!.id,
      details: { runner: runner.id, version: runner.version, runKey: run!.runKey, seed },
    });
    return run!;
  });
}

/** The versions an external run used, named by reference or by digest. */
async function resolveExternalInputs(
  ctx: ServiceContext,
  project: string,
  requested: readonly ExternalRunInputRequest[],
): Promise<CheckedInput[]> {
  const positions = new Map<string, number>();
  const checked: CheckedInput[] = [];
  for (const [i, input] of requested.entries()) {
    const where = ['input', 'inputs', String(i)];
    if (!input.role) throw new ValidationError('an input has a role', [...where, 'role']);
    if (Boolean(input.version) === Boolean(input.digest)) {
      throw new ValidationError('an input gives either a version or a digest', where);
    }
    let version: Pick<CheckedInput, 'versionId' | 'digest' | 'format'> & { kind: VersionKind };
    if (input.digest) {
      version = await versionByDigest(ctx, project, input.digest, input.kind, [...where, 'digest']);
    } else {
      const kind = input.kind ?? versionKindOf(decodeGlobalId(input.version!)?.type);
      if (!kind) {
        throw new ValidationError(
          'say whether this input is a MODEL_VERSION or a DATASET_VERSION (kind)',
          [...where, 'kind'],
        );
      }
      version = {
        kind,
        ...(await resolveInputVersion(ctx.db, ctx.actor, kind, input.version!, [
          ...where,
          'version',
        ])),
      };
    }
    const position = positions.get(input.role) ?? 0;
    positions.set(input.role, position + 1);
    checked.push({ role: input.role, position, ...version });
  }
  return checked;
}

/**
 * The registered version with this digest that the actor may see: of `kind` when given, the
 * one in the run's project first, else the oldest. NotFoundError when there is none.
 */
async function versionByDigest(
  ctx: ServiceContext,
  project: string,
  digest: string,
  kind: VersionKind | null | undefined,
  path: string[],
) {
  if (!DIGEST.test(digest)) {
    throw new ValidationError('a digest is "sha256:" and 64 lowercase hex digits', path);
  }
  const kinds: VersionKind[] = kind ? [kind] : ['DATASET_VERSION', 'MODEL_VERSION'];
  const found = (
    await Promise.all(
      kinds.map((k) =>
        selectVersions(ctx.db, k, ctx.actor, ({ table }) => eq(table.digest, digest)),
      ),
    )
  ).flat();
  found.sort(
    (a, b) =>
      Number(b.project.slug === project) - Number(a.project.slug === project) ||
      a.version.createdAt.getTime() - b.version.createdAt.getTime(),
  );
  const version = found[0];
  if (!version) throw new NotFoundError('version with digest', digest);
  return {
    kind: version.kind,
    versionId: version.version.id,
    digest: version.version.digest,
    format: version.version.format,
  };
}

/** An external run the caller may write to, still open. */
async function openRunToWrite(ctx: ServiceContext, ref: string, action: string): Promise<RunRow> {
  const run = await findRun(ctx, ref, ['input', 'run']);
  if (run.source !== EXTERNAL_SOURCE) {
    throw new ValidationError(
      'the hub records this run itself; only runs opened by openExternalRun take events',
      ['input', 'run'],
    );
  }
  await requireRoleInProject(ctx.db, ctx.actor, run.projectId, 'contributor', action);
  return run;
}

function closed(run: RunRow): ConflictError {
  return new ConflictError(`the run ended ${run.status}; it takes no more events`, {
    type: 'Run',
    id: run.id,
  });
}

/** The client events as the hub stores them; a ValidationError naming the first bad one. */
async function toRunEvents(
  ctx: ServiceContext,
  run: RunRow,
  events: readonly unknown[],
): Promise<NewRunEvent[]> {
  if (events.length === 0 || events.length > MAX_BATCH) {
    throw new ValidationError(`a batch has 1 to ${MAX_BATCH} events`, ['input', 'events']);
  }
  const parsed = events.map((event, i) => {
    const result = programEvent.safeParse(event);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new ValidationError(`not an evalhub event: ${issue.message}`, [
        'input',
        'events',
        String(i),
        ...issue.path.map(String),
      ]);
    }
    if (result.data.type === 'artifact' && result.data.path !== undefined) {
      throw new ValidationError(
        'the hub cannot read your files: send the artifact as text or base64',
        ['input', 'events', String(i), 'path'],
      );
    }
    return result.data;
  });
  const roles = new Set(
    parsed.flatMap((e) => (e.type === 'finding' && e.subjectRole ? [e.subjectRole] : [])),
  );
  const subjects = new Map<string, { kind: VersionKind; id: string }>();
  if (roles.size) {
    const rows = await ctx.db
      .select()
      .from(runInputs)
      .where(
        and(
          eq(runInputs.runId, run.id),
          eq(runInputs.position, 0),
          inArray(runInputs.role, [...roles]),
        ),
      );
    for (const row of rows) {
      subjects.set(
        row.role,
        row.modelVersionId
          ? { kind: 'MODEL_VERSION', id: row.modelVersionId }
          : { kind: 'DATASET_VERSION', id: row.datasetVersionId! },
      );
    }
  }
  const names = parsed.flatMap((e) => (e.type === 'artifact' ? [e.name] : []));
  const taken = names.length
    ? new Set(
        (
          await ctx.db
            .select({ name: artifacts.name })
            .from(artifacts)
            .where(and(eq(artifacts.runId, run.id), inArray(artifacts.name, names)))
        ).map((row) => row.name),
      )
    : new Set<string>();
  return parsed.map((event, i): NewRunEvent => {
    const path = ['input', 'events', String(i)];
    switch (event.type) {
      case 'metric': {
        const { type: _, ...metric } = event;
        return { type: 'metric', metric };
      }
      case 'finding': {
        const { type: _, ...finding } = event;
        const subject = finding.subjectRole ? subjects.get(finding.subjectRole) : undefined;
        if (finding.subjectRole && !subject) {
          throw new ValidationError(`the run has no input ${finding.subjectRole}`, [
            ...path,
            'subjectRole',
          ]);
        }
        return { type: 'finding', finding, subject };
      }
      case 'artifact': {
        if (taken.has(event.name)) {
          throw new ValidationError(`the run already has an artifact named ${event.name}`, [
            ...path,
            'name',
          ]);
        }
        taken.add(event.name);
        const bytes =
          event.text !== undefined ? Buffer.from(event.text) : Buffer.from(event.base64!, 'base64');
        return { type: 'artifact', name: event.name, mediaType: event.mediaType, bytes };
      }
      default:
        return event;
    }
  });
}

export interface AppendExternalInput {
  run: string;
  /** The client's number of the batch's first event; the first event of a run is 1. */
  firstSeq: number;
  events: readonly unknown[];
}

export interface AppendResult {
  run: RunRow;
  /** Events of this batch stored now (those the run already had are not stored again). */
  stored: number;
  /** The number the client's next event takes. */
  nextSeq: number;
}

/**
 * Appends a batch of the client's events, numbered from `firstSeq`. Events the run already
 * has (a batch sent again after a timeout) are skipped; a batch that would leave a gap is
 * refused (ConflictError), as is any batch once the run has ended.
 */
export async function appendExternalRunEvents(
  ctx: ServiceContext,
  input: AppendExternalInput,
): Promise<AppendResult> {
  if (!Number.isInteger(input.firstSeq) || input.firstSeq < 1) {
    throw new ValidationError('firstSeq is a whole number from 1', ['input', 'firstSeq']);
  }
  let run = await openRunToWrite(ctx, input.run, 'recording events of a run');
  const events = await toRunEvents(ctx, run, input.events);
  // A concurrent append of the same events (a retry racing its original) moves the run on:
  // read it again, and store only what is still missing.
  for (;;) {
    if (TERMINAL_STATUSES.includes(run.status)) throw closed(run);
    const has = run.lastEventSeq - OPENING_EVENTS;
    if (input.firstSeq > has + 1) {
      throw new ConflictError(
        `events ${has + 1} to ${input.firstSeq - 1} are missing: the run has ${has}, send from ${has + 1}`,
        { type: 'Run', id: run.id },
      );
    }
    const fresh = events.slice(has + 1 - input.firstSeq);
    if (!fresh.length) return { run, stored: 0, nextSeq: has + 1 };
    try {
      const { lastSeq } = await appendRunEvents(ctx.db, run.id, fresh, {
        afterSeq: run.lastEventSeq,
      });
      return {
        run: { ...run, lastEventSeq: lastSeq },
        stored: fresh.length,
        nextSeq: lastSeq - OPENING_EVENTS + 1,
      };
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      [run] = (await ctx.db.select().from(runs).where(eq(runs.id, run.id))) as RunRow[] as [RunRow];
    }
  }
}

export interface FinishExternalInput {
  run: string;
  status: 'SUCCEEDED' | 'FAILED';
  error?: { message: string; code?: string | null | undefined } | null | undefined;
  /** How many events the client sent: refused if the hub has fewer (a batch was lost). */
  eventCount?: number | null | undefined;
}

/** Ends an external run; finishing it again the same way returns it as it is. */
export async function finishExternalRun(
  ctx: ServiceContext,
  input: FinishExternalInput,
): Promise<RunRow> {
  if (input.status === 'SUCCEEDED' && input.error) {
    throw new ValidationError('a run that succeeded has no error', ['input', 'error']);
  }
  const run = await openRunToWrite(ctx, input.run, 'finishing a run');
  if (run.status === input.status) return run;
  if (TERMINAL_STATUSES.includes(run.status)) {
    throw new ConflictError(`the run already ended ${run.status}`, { type: 'Run', id: run.id });
  }
  const has = run.lastEventSeq - OPENING_EVENTS;
  if (input.eventCount != null && input.eventCount > has) {
    throw new ConflictError(
      `the hub has ${has} events of this run, not ${input.eventCount}: send the rest first`,
      { type: 'Run', id: run.id },
    );
  }
  return ctx.db.transaction(async (tx) => {
    if (input.status === 'SUCCEEDED' && run.workflowVersionId) {
      // The chain's lock first, then the run's (the order transitionRun takes them): checked
      // only while it is still running, so that a finish racing this one records nothing.
      await lockAuditChain(tx);
      const [current] = await tx.select().from(runs).where(eq(runs.id, run.id)).for('update');
      if (current!.status === 'RUNNING') {
        if (!checkWorkflow)
          throw new Error('an external run names a workflow, and nothing checks it');
        await checkWorkflow(tx, current!);
      }
    }
    const finished = await transitionRun(tx, run.id, {
      from: ['RUNNING'],
      to: input.status,
      parentRunId: run.parentRunId,
      ...(input.status === 'FAILED'
        ? {
            error: {
              code: input.error?.code || 'EXTERNAL_ERROR',
              message: input.error?.message || 'the client reported a failure',
            },
          }
        : { reason: `finished by ${ctx.actor.id}` }),
    });
    if (!finished) {
      const [now] = await tx.select().from(runs).where(eq(runs.id, run.id));
      if (now!.status === input.status) return now!;
      throw new ConflictError(`the run already ended ${now!.status}`, { type: 'Run', id: run.id });
    }
    await recordAudit(tx, ctx.actor, {
      action: 'run.finish',
      projectId: run.projectId,
      targetType: 'Run',
      targetId: run.id,
      details: { status: input.status },
    });
    return finished;
  });
}

/** An external run's client went quiet: the error its run fails with. */
export const ABANDONED = 'EXTERNAL_RUN_ABANDONED';

/**
 * External runs whose client went quiet, no event appended for `timeoutMs` (it died, or
 * never finished the run): each fails, saying so, as a run whose worker died does. Called
 * by the workers' reaper; each run in a transaction of its own, conditional on it still
 * being quiet, so an append at that moment keeps its run open.
 */
export async function expireAbandonedExternalRuns(
  db: Database,
  timeoutMs: number,
): Promise<number> {
  const lastEventAt = sql`(select ${runEvents.createdAt} from ${runEvents}
    where ${runEvents.runId} = ${runs.id} and ${runEvents.seq} = ${runs.lastEventSeq})`;
  const abandoned = and(
    eq(runs.status, 'RUNNING'),
    eq(runs.source, EXTERNAL_SOURCE),
    lt(lastEventAt, sql`now() - ${timeoutMs} * interval '1 millisecond'`),
  );
  const quiet = await db
    .select({ id: runs.id, parentRunId: runs.parentRunId })
    .from(runs)
    .where(abandoned)
    .limit(50);
  let expired = 0;
  for (const run of quiet) {
    const failed = await db.transaction((tx) =>
      transitionRun(tx, run.id, {
        from: ['RUNNING'],
        to: 'FAILED',
        where: abandoned,
        parentRunId: run.parentRunId,
        error: {
          code: ABANDONED,
          message: `no events were appended for ${timeoutMs / 1000} s (EVALHUB_EXTERNAL_RUN_TIMEOUT_SECONDS): its client stopped without finishing it`,
        },
      }),
    );
    if (failed) expired += 1;
  }
  return expired;
}
