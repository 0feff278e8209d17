// OpenLineage events as the import reads them, once the spec's schema has accepted them.
import type { OpenLineageDataset } from './versions.ts';

export type Facets = Record<string, Record<string, unknown>>;

interface BaseEvent {
  eventTime: string;
  producer: string;
  /** Absent from older clients' events (accepted, with a warning). */
  schemaURL?: string;
}

export interface JobEvent extends BaseEvent {
  job: { namespace: string; name: string; facets?: Facets };
  inputs?: OpenLineageDataset[];
  outputs?: OpenLineageDataset[];
}

export interface RunEvent extends JobEvent {
  /** Absent in a metadata update (spec 2), read like OTHER. */
  eventType?: 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
  run: { runId: string; facets?: Facets };
}

export interface DatasetEvent extends BaseEvent {
  dataset: OpenLineageDataset;
}
