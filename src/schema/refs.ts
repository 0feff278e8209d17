// The object types of the lineage graph, declared before they are implemented so that
// domain files can point at each other without importing each other.
import type { CatalogueRow } from '../resolvers/registry/catalogue.ts';
import type { ProjectRow } from '../resolvers/registry/projects.ts';
import type {
  DatasetVersionRow,
  ModelVersionRow,
  VersionRow,
} from '../resolvers/registry/version-catalogue.ts';
import type { ArtifactRow, FindingRow } from '../resolvers/runs/results.ts';
import type { RunRow } from '../resolvers/runs/status.ts';
import type { WorkflowVersionRow } from '../resolvers/workflows/define.ts';
import { builder } from './builder.ts';

export const ProjectRef = builder.objectRef<ProjectRow>('Project');
export const ModelRef = builder.objectRef<CatalogueRow>('Model');
export const ModelVersionRef = builder.objectRef<ModelVersionRow>('ModelVersion');
export const DatasetRef = builder.objectRef<CatalogueRow>('Dataset');
export const DatasetVersionRef = builder.objectRef<DatasetVersionRow>('DatasetVersion');
export const VersionRef = builder.interfaceRef<VersionRow>('Version');
export const WorkflowRef = builder.objectRef<CatalogueRow>('Workflow');
export const WorkflowVersionRef = builder.objectRef<WorkflowVersionRow>('WorkflowVersion');
export const RunRef = builder.objectRef<RunRow>('Run');
export const FindingRef = builder.objectRef<FindingRow>('Finding');
export const ArtifactRef = builder.objectRef<ArtifactRow>('Artifact');
