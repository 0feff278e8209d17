import type { Database } from '../../db/connect.ts';
import type { RunnerRegistry } from '../../runners/registry.ts';
import type { Actor } from './actor.ts';

/** What the operator allows the hub to read on its host (README, "The host"). */
export interface LocalContentPolicy {
  /** Folders local paths must lie in; null: the user's home for the local operator, none for others. */
  roots: readonly string[] | null;
  /** More folders, each for one project's versions alone (by project slug). */
  projectRoots?: Readonly<Record<string, readonly string[]>>;
  /** The most bytes one version's content may have. */
  maxBytes: number;
  /** The most files one version's folder may have. */
  maxFiles: number;
  /**
   * The hub's own folders (its data folder and keys, content store, runs' scratch folders):
   * never read as a caller's local path, even inside a root.
   */
  hubFolders?: readonly string[];
  /**
   * Local content of more bytes is hashed in the background, not in the request
   * (EVALHUB_INLINE_HASH_BYTES); absent: always in the request.
   */
  inlineHashBytes?: number;
  /** The hub's content store (EVALHUB_STORE_DIR): where uploaded content is kept. */
  contentStore?: string | null;
  /** The most bytes of uploaded files one project may keep; null or absent: no limit. */
  projectUploadQuotaBytes?: number | null;
}

/** What every domain service needs: the database, who is asking, and the runners known here. */
export interface ServiceContext {
  db: Database;
  actor: Actor;
  runners: RunnerRegistry;
  /** Which local paths the hub reads for callers; none when absent. */
  localContent?: LocalContentPolicy;
  /** Aborts when the request is abandoned (past its deadline, or its client left). */
  signal?: AbortSignal;
}
