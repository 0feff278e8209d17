// Every table of the hub, for Drizzle and drizzle-kit. docs/data-model.md explains them.
export * from './tables/audit.ts';
export * from './tables/content.ts';
export * from './tables/events.ts';
export * from './tables/evidence.ts';
export * from './tables/identity.ts';
export * from './tables/interop.ts';
export * from './tables/lineage.ts';
export * from './tables/projects.ts';
export * from './tables/registry.ts';
export * from './tables/results.ts';
export * from './tables/runs.ts';
export * from './tables/workflows.ts';
