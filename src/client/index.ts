// A typed client of an evalhub hub, for any Node program: registry, runs and their live
// events, search, lineage, comparisons, findings, reports and exports. It talks HTTP and
// WebSocket only, so it works the same against a local hub and a team's remote one.
//
//   import { connect } from 'evalhub/src/client/index.ts';
//   const hub = connect({ url: 'http://127.0.0.1:4000', token: process.env.EVALHUB_TOKEN });
//   for await (const event of hub.watch(runId)) console.log(event.__typename);
import { Connection, type ConnectOptions, HubError } from './connection.ts';
import * as documents from './documents.ts';
import type {
  ClientDatasetsQuery,
  ClientModelsQuery,
  ClientWorkflowsQuery,
  DatasetFormat,
  FindingStatus,
  LineageDirection,
  ModelFormat,
  ReportFormat,
  SearchFilter,
  Task,
} from './gql/graphql.ts';
import { type ContentRegistration, waitForRegistration } from './registration.ts';
import { type UploadedContent, type UploadSource, uploadContent } from './upload.ts';
import { type RunEvent, watchRun } from './watch.ts';

export type { DatasetFormat, FindingStatus, ModelFormat, ReportFormat, SearchFilter, Task };
export {
  type ConnectOptions,
  type ContentRegistration,
  HubError,
  type RunEvent,
  type UploadedContent,
  type UploadSource,
};

/** Told the bytes the hub has hashed of content it hashes in the background. */
export type HashingProgress = (bytesHashed: number, bytesTotal: number) => void;

/** A mutation's answer: its payload, or its typed error as a HubError. */
function payload<T extends { __typename: string }, N extends T['__typename']>(
  result: T,
  typename: N,
): Extract<T, { __typename: N }> {
  if (result.__typename !== typename) {
    const message = 'message' in result ? String(result.message) : result.__typename;
    const path = 'path' in result ? (result.path as string[]) : null;
    throw new HubError(message, null, { code: result.__typename, path });
  }
  return result as Extract<T, { __typename: N }>;
}

/** "project/name@version" in its parts. */
export function parseVersionRef(ref: string): { project: string; name: string; version: string } {
  const match = /^([^/@]+)\/([^/@]+)@(.+)$/.exec(ref);
  if (!match) throw new HubError(`expected "project/name@version", got ${JSON.stringify(ref)}`);
  return { project: match[1]!, name: match[2]!, version: match[3]! };
}

/** "project/name" (an optional "@version" ignored) in its parts. */
function parseNameRef(ref: string): { project: string; name: string } {
  const match = /^([^/@]+)\/([^/@]+)(@.*)?$/.exec(ref);
  if (!match) throw new HubError(`expected "project/name", got ${JSON.stringify(ref)}`);
  return { project: match[1]!, name: match[2]! };
}

export interface RegisterVersionInput {
  /** "project/name@version" */
  ref: string;
  /** A path the hub can read, or a remote URI. */
  uri: string;
  /** Checked by the hub against the content. */
  digest?: string;
  /** Used when the model or dataset does not exist yet. */
  task?: Task;
  metadata?: unknown;
}

export class EvalhubClient {
  readonly connection: Connection;

  constructor(options: ConnectOptions) {
    this.connection = new Connection(options);
  }

  get url(): string {
    return this.connection.url;
  }

  /** Who the hub takes you for, and your roles. */
  async viewer() {
    return (await this.connection.request(documents.Viewer)).viewer;
  }

  /**
   * Registers a model version. Content too large for the hub to hash in the request is hashed
   * in the background: this waits for it (`onProgress` told the bytes hashed).
   */
  async registerModelVersion(
    input: RegisterVersionInput & { format: ModelFormat },
    onProgress?: HashingProgress,
  ) {
    const { project, name, version } = parseVersionRef(input.ref);
    await this.#ensure('model', project, name, input.task ?? 'OTHER');
    const { registerModelVersion } = await this.connection.request(documents.RegisterModelVersion, {
      input: {
        model: `${project}/${name}`,
        version,
        uri: input.uri,
        format: input.format,
        digest: input.digest,
        metadata: input.metadata,
      },
    });
    if (registerModelVersion.__typename === 'ContentRegistration') {
      const done = await waitForRegistration(this.connection, registerModelVersion.id, onProgress);
      return {
        __typename: 'RegisterModelVersionPayload' as const,
        created: done.versionCreated ?? false,
        modelVersion: done.registeredModelVersion!,
      };
    }
    return payload(registerModelVersion, 'RegisterModelVersionPayload');
  }

  /** Registers a dataset version, waiting as registerModelVersion does. */
  async registerDatasetVersion(
    input: RegisterVersionInput & {
      format: DatasetFormat;
      derivedFrom?: { datasetVersion: string; transform: unknown } | null;
    },
    onProgress?: HashingProgress,
  ) {
    const { project, name, version } = parseVersionRef(input.ref);
    await this.#ensure('dataset', project, name, input.task ?? 'OTHER');
    const { registerDatasetVersion } = await this.connection.request(
      documents.RegisterDatasetVersion,
      {
        input: {
          dataset: `${project}/${name}`,
          version,
          uri: input.uri,
          format: input.format,
          digest: input.digest,
          metadata: input.metadata,
          derivedFrom: input.derivedFrom ?? null,
        },
      },
    );
    if (registerDatasetVersion.__typename === 'ContentRegistration') {
      const done = await waitForRegistration(
        this.connection,
        registerDatasetVersion.id,
        onProgress,
      );
      return {
        __typename: 'RegisterDatasetVersionPayload' as const,
        created: done.versionCreated ?? false,
        datasetVersion: done.registeredDatasetVersion!,
      };
    }
    return payload(registerDatasetVersion, 'RegisterDatasetVersionPayload');
  }

  /** Registers the model or dataset unless it exists (then its task is left as it is). */
  async #ensure(kind: 'model' | 'dataset', project: string, name: string, task: Task) {
    const existing =
      kind === 'model' ? await this.model(project, name) : await this.dataset(project, name);
    if (existing) return;
    if (kind === 'model') {
      const { registerModel } = await this.connection.request(documents.RegisterModel, {
        input: { project, name, task },
      });
      payload(registerModel, 'RegisterModelPayload');
    } else {
      const { registerDataset } = await this.connection.request(documents.RegisterDataset, {
        input: { project, name, task },
      });
      payload(registerDataset, 'RegisterDatasetPayload');
    }
  }

  /** Every model you may see (of a project, matching a search), with its versions. */
  async models(filter: { project?: string; search?: string } = {}) {
    const all: ClientModelsQuery['models']['edges'][number]['node'][] = [];
    let after: string | null = null;
    do {
      const { models }: ClientModelsQuery = await this.connection.request(documents.Models, {
        filter,
        first: 100,
        after,
      });
      all.push(...models.edges.map((e) => e.node));
      after = models.pageInfo.hasNextPage ? (models.pageInfo.endCursor ?? null) : null;
    } while (after);
    return all;
  }

  async datasets(filter: { project?: string; search?: string } = {}) {
    const all: ClientDatasetsQuery['datasets']['edges'][number]['node'][] = [];
    let after: string | null = null;
    do {
      const { datasets }: ClientDatasetsQuery = await this.connection.request(documents.Datasets, {
        filter,
        first: 100,
        after,
      });
      all.push(...datasets.edges.map((e) => e.node));
      after = datasets.pageInfo.hasNextPage ? (datasets.pageInfo.endCursor ?? null) : null;
    } while (after);
    return all;
  }

  async workflows(filter: { project?: string; search?: string } = {}) {
    const all: ClientWorkflowsQuery['workflows']['edges'][number]['node'][] = [];
    let after: string | null = null;
    do {
      const { workflows }: ClientWorkflowsQuery = await this.connection.request(
        documents.Workflows,
        {
          filter,
          first: 100,
          after,
        },
      );
      all.push(...workflows.edges.map((e) => e.node));
      after = workflows.pageInfo.hasNextPage ? (workflows.pageInfo.endCursor ?? null) : null;
    } while (after);
    return all;
  }

  /** One model by project and name; null when there is none you may see. */
  async model(project: string, name: string) {
    return (await this.models({ project, search: name })).find((m) => m.name === name) ?? null;
  }

  async dataset(project: string, name: string) {
    return (await this.datasets({ project, search: name })).find((d) => d.name === name) ?? null;
  }

  async workflow(project: string, name: string) {
    return (await this.workflows({ project, search: name })).find((w) => w.name === name) ?? null;
  }

  /**
   * The global id of what a reference names: a global id as it is, "project/name@version"
   * of a model or dataset version, "project/name@N" or "@sha256:..." of a workflow version.
   */
  async resolve(ref: string): Promise<string> {
    if (!ref.includes('/')) return ref;
    const { project, name, version } = parseVersionRef(ref);
    const model = await this.model(project, name);
    const modelVersion = model?.versions.edges.find((e) => e.node.version === version);
    if (modelVersion) return modelVersion.node.id;
    const dataset = await this.dataset(project, name);
    const datasetVersion = dataset?.versions.edges.find((e) => e.node.version === version);
    if (datasetVersion) return datasetVersion.node.id;
    return this.workflowVersion(ref);
  }

  /** A workflow version's id from "project/name", "project/name@N" or "project/name@sha256:...". */
  async workflowVersion(ref: string): Promise<string> {
    const { project, name } = parseNameRef(ref);
    const pin = ref.includes('@') ? ref.slice(ref.indexOf('@') + 1) : null;
    const workflow = await this.workflow(project, name);
    const version = pin
      ? workflow?.versions.edges
          .map((e) => e.node)
          .find((v) => v.digest === pin || String(v.number) === pin)
      : workflow?.latestVersion;
    if (!version) throw new HubError(`no ${ref} you may see`);
    return version.id;
  }

  /** Starts a runner on inputs ("role" to a version id or "project/name@version"). */
  async startRun(input: {
    runner: string;
    project: string;
    inputs?: Array<{ role: string; version: string }>;
    config?: unknown;
    seed?: number;
    name?: string;
  }) {
    const { startRun } = await this.connection.request(documents.StartRun, { input });
    return payload(startRun, 'StartRunPayload').run;
  }

  /**
   * Defines a workflow version from its spec in the project ("project/name"): the version,
   * and whether it is new (the same spec again gives the version that already has it).
   */
  async defineWorkflow(input: {
    workflow: string;
    spec: unknown;
    description?: string;
    tags?: string[];
  }) {
    const { project, name } = parseNameRef(input.workflow);
    const { defineWorkflow } = await this.connection.request(documents.DefineWorkflow, {
      input: { project, name, spec: input.spec, description: input.description, tags: input.tags },
    });
    return payload(defineWorkflow, 'DefineWorkflowPayload');
  }

  /** Starts a workflow version (an id, or a reference `workflowVersion` resolves). */
  async startWorkflow(input: {
    workflow: string;
    inputs?: Array<{ role: string; version: string }>;
    seed?: number;
    name?: string;
  }) {
    const workflowVersion = input.workflow.includes('/')
      ? await this.workflowVersion(input.workflow)
      : input.workflow;
    const { startWorkflow } = await this.connection.request(documents.StartWorkflow, {
      input: { workflowVersion, inputs: input.inputs, seed: input.seed, name: input.name },
    });
    return payload(startWorkflow, 'RunPayload').run;
  }

  /**
   * Re-executes a run that succeeded on its inputs, checked against their recorded digests;
   * the new run ends with a REPRODUCED or NOT_REPRODUCED finding.
   */
  async reproduce(id: string) {
    const { reproduceRun } = await this.connection.request(documents.ReproduceRun, { id });
    return payload(reproduceRun, 'RunPayload').run;
  }

  /** A run with its steps, all its metrics (paged through) and findings; null when you may not see it. */
  async run(id: string) {
    const { node } = await this.connection.request(documents.Run, { id });
    if (!node || !('status' in node)) return null;
    const run = node as Extract<typeof node, { status: unknown }>;
    const metrics = run.metrics.edges.map((edge) => edge.node);
    let { pageInfo } = run.metrics;
    while (pageInfo.hasNextPage) {
      const next = await this.connection.request(documents.RunMetrics, {
        id,
        after: pageInfo.endCursor,
      });
      const page = next.node && 'metrics' in next.node ? next.node.metrics : null;
      if (!page) throw new Error(`run ${id} went out of sight while its metrics were read`);
      metrics.push(...page.edges.map((edge) => edge.node));
      pageInfo = page.pageInfo;
    }
    return { ...run, metrics };
  }

  async runs(filter: SearchFilter = {}, first = 50) {
    const { runs } = await this.connection.request(documents.Runs, { filter, first });
    return runs.edges.map((e) => e.node);
  }

  async cancel(id: string) {
    const { cancelRun } = await this.connection.request(documents.CancelRun, { id });
    return payload(cancelRun, 'RunPayload').run;
  }

  /** Starts a run that ended again, on the same inputs, config and seed: the new run. */
  async retry(id: string) {
    const { retryRun } = await this.connection.request(documents.RetryRun, { id });
    return payload(retryRun, 'RunPayload').run;
  }

  /**
   * A run's events, from after `after` (the beginning without it) to its terminal status; a
   * dropped connection is resumed from the last event received, with no gap or duplicate.
   */
  watch(runId: string, options: { after?: string | null; signal?: AbortSignal } = {}) {
    return watchRun(this.connection, runId, options);
  }

  async search(query: string | null, filter: SearchFilter = {}, first = 20) {
    const { search } = await this.connection.request(documents.Search, { query, filter, first });
    return search.edges.map((e) => e.node);
  }

  async findings(filter: SearchFilter = {}, first = 50) {
    const { findings } = await this.connection.request(documents.Findings, { filter, first });
    return findings.edges.map((e) => e.node);
  }

  /** Sets a finding's status, with the comment that says why (kept in the audit log). */
  async triage(finding: string, status: FindingStatus, comment: string) {
    const { triageFinding } = await this.connection.request(documents.TriageFinding, {
      input: { finding, status, comment },
    });
    return payload(triageFinding, 'TriageFindingPayload').finding;
  }

  /** Everything downstream of a node (id or reference); null when you may not see it. */
  async impact(ref: string, maxNodes = 1000) {
    const { impact } = await this.connection.request(documents.Impact, {
      id: await this.resolve(ref),
      maxNodes,
    });
    return impact;
  }

  /** The lineage graph from a node (id or reference); null when you may not see it. */
  async trace(ref: string, options: { depth?: number; direction?: LineageDirection } = {}) {
    const { trace } = await this.connection.request(documents.Trace, {
      id: await this.resolve(ref),
      depth: options.depth ?? 10,
      direction: options.direction ?? 'UPSTREAM',
    });
    return trace;
  }

  async compare(ids: string[], metrics?: string[]) {
    return (await this.connection.request(documents.CompareRuns, { ids, metrics })).compareRuns;
  }

  /** A run's T&E report: Markdown or HTML text, or PDF bytes (rendered by the hub). */
  async report(runId: string, format: 'md' | 'html'): Promise<string>;
  async report(runId: string, format: 'pdf'): Promise<Uint8Array>;
  async report(runId: string, format: 'md' | 'html' | 'pdf'): Promise<string | Uint8Array> {
    const response = await this.connection.get(
      `/api/v1/runs/${encodeURIComponent(runId)}/report?format=${format}`,
    );
    return format === 'pdf' ? new Uint8Array(await response.arrayBuffer()) : response.text();
  }

  /**
   * Uploads a file or folder to the project's content store (resumable; nothing is sent when
   * the project has it); register it with the returned `uri`.
   */
  uploadContent(
    project: string,
    source: UploadSource,
    onProgress?: (done: number, total: number) => void,
  ): Promise<UploadedContent> {
    return uploadContent(this.connection, project, source, onProgress);
  }

  /** A run's lineage as W3C PROV-JSON, or as OpenLineage run events. */
  async export(runId: string, as: 'prov' | 'openlineage'): Promise<unknown> {
    if (as === 'openlineage') {
      return (
        await this.connection.get(`/api/v1/runs/${encodeURIComponent(runId)}/openlineage`)
      ).json();
    }
    const { trace } = await this.connection.request(documents.TraceProv, { id: runId });
    if (!trace) throw new HubError(`no run ${runId} you may see`);
    return trace.prov;
  }

  /**
   * The provenance bundle of a run or finding (an id), as the hub wrote it: the exact bytes,
   * to keep as they are and check with `evalhub verify`.
   */
  async bundle(id: string): Promise<string> {
    return (await this.connection.get(`/api/v1/lineage/${encodeURIComponent(id)}/bundle`)).text();
  }
}

/** A client of the hub at `url`, acting with `token` when given. */
export function connect(options: ConnectOptions): EvalhubClient {
  return new EvalhubClient(options);
}
