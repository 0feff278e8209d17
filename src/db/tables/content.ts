// Content uploaded to the hub's store, and the projects it was uploaded to.
import { bigint, boolean, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt } from '../columns.ts';
import { projectId } from './projects.ts';

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
