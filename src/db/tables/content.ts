// Content uploaded to the hub's store, and the projects it was uploaded to; content being
// hashed in the background to register a version.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, instant, updatedAt } from '../columns.ts';
import { projectId } from './projects.ts';
import { datasetVersions, modelVersions } from './registry.ts';

/**
 * One row per project that received a file or folder with this digest: the bytes live once
 * in the content store, under the digest; a project may name them only once its contributor
 * sent them (so the store never tells one project what another holds).
 */
export const uploadedContent = pgTable(
  'uploaded_content',
  {
    projectId: projectId(),
    /** `sha256:<hex>`, by the hub's digest rule. */
    digest: text().notNull(),
    isFolder: boolean().notNull(),
    sizeBytes: bigint({ mode: 'number' }).notNull(),
    fileCount: integer().notNull(),
    uploadedBy: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.digest] })],
);

/**
 * A model or dataset version being registered from content too large to hash in the request:
 * the input as given, hashed in the background by a hub process that holds the lease (renewed
 * as it goes; a process that dies leaves it to another once the lease runs out), then the
 * version it made or the typed error that stopped it.
 */
export const contentRegistrations = pgTable(
  'content_registrations',
  {
    id: id(),
    projectId: projectId(),
    /** MODEL_VERSION or DATASET_VERSION. */
    kind: text().notNull(),
    /** The registration's input, as the mutation took it. */
    input: jsonb().notNull(),
    /** Who asked (the actor, roles included): the job acts with their permissions. */
    actor: jsonb().notNull(),
    /** QUEUED, HASHING, DONE or FAILED. */
    state: text().notNull(),
    bytesHashed: bigint({ mode: 'number' }).notNull().default(0),
    bytesTotal: bigint({ mode: 'number' }).notNull(),
    modelVersionId: uuid().references(() => modelVersions.id),
    datasetVersionId: uuid().references(() => datasetVersions.id),
    /** True when the content was new (false: the version already holding it). */
    created: boolean(),
    /** The typed error that stopped it: { type, message, ...its fields }. */
    error: jsonb(),
    attempt: integer().notNull().default(0),
    leaseOwner: text(),
    leaseExpiresAt: instant(),
    createdBy: text().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: instant(),
  },
  (t) => [
    index('content_registrations_project_idx').on(t.projectId),
    // What a hasher claims: queued ones, and those whose hasher stopped renewing its lease.
    index('content_registrations_open_idx')
      .on(t.leaseExpiresAt)
      .where(sql`"state" in ('QUEUED', 'HASHING')`),
  ],
);
