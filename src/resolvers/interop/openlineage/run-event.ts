// A RunEvent as the import reads it, once the spec's schema has accepted it.
import type { OpenLineageDataset } from './versions.ts';

export type Facets = Record<string, Record<string, unknown>>;

export interface RunEvent {
  eventType: 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
  eventTime: string;
  producer: string;
  run: { runId: string; facets?: Facets };
  job: { namespace: string; name: string; facets?: Facets };
  inputs?: OpenLineageDataset[];
  outputs?: OpenLineageDataset[];
}
