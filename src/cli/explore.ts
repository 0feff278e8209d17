// `evalhub search`, `trace`, `impact`, `findings ls|triage`, `compare`, `report`, `export`:
// reading what the hub knows (and triaging its findings).
import { writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { FindingStatus, SearchFilter } from '../client/index.ts';
import { type HubOptions, hubClient, withHub } from './hub.ts';
import { colour, printJson, printTable } from './output.ts';

/** `accuracy>=0.9`: a metric condition of the search filter. */
function parseWhere(text: string): SearchFilter['metric'] {
  const match = /^\s*([\w.:/-]+)\s*(>=|<=|>|<|=)\s*(-?[\d.]+(?:e-?\d+)?)\s*$/i.exec(text);
  if (!match) throw new InvalidArgumentError(`--where is METRIC OP NUMBER, e.g. accuracy>=0.9`);
  const op = { '>=': 'GTE', '<=': 'LTE', '>': 'GT', '<': 'LT', '=': 'EQ' }[match[2]!] as never;
  return { key: match[1]!, op, value: Number(match[3]) };
}

export function exploreCommands(program: Command): void {
  withHub(program.command('search'))
    .description('models, datasets, workflows, runs and findings matching words')
    .argument('[query]', 'words to look for')
    .option('--type <type>', 'model, dataset, workflow, run or finding')
    .option('--project <slug>', 'in one project')
    .option('--where <condition>', 'runs whose metric meets it, e.g. accuracy>=0.9')
    .option('--json', 'as JSON')
    .action(
      async (
        query: string | undefined,
        options: HubOptions & { type?: string; project?: string; where?: string },
      ) => {
        const client = await hubClient(options);
        const hits = await client.search(query ?? null, {
          type: options.type ? [options.type.toUpperCase() as never] : undefined,
          project: options.project ? [options.project] : undefined,
          metric: options.where ? parseWhere(options.where) : undefined,
        });
        if (options.json) return printJson(hits);
        printTable(
          hits.map((hit) => ({
            type: hit.type.toLowerCase(),
            title: hit.title,
            project: 'project' in hit.node ? hit.node.project.slug : '',
            id: 'id' in hit.node ? hit.node.id : '',
          })),
          false,
        );
      },
    );

  withHub(program.command('trace'))
    .description('what a run, finding or version came from, down to its roots, with digests')
    .argument('<ref>', 'an id, or PROJECT/NAME@VERSION')
    .option('--depth <n>', 'how far to walk', '10')
    .option('--json', 'as JSON')
    .action(async (ref: string, options: HubOptions & { depth: string }) => {
      const client = await hubClient(options);
      const graph = await client.trace(ref, { depth: Number(options.depth) });
      if (!graph) throw new Error(`nothing ${ref} you may see`);
      if (options.json) return printJson(graph);
      const byId = new Map(graph.nodes.map((n) => [n.id, n]));
      const label = (id: string) => {
        const entry = byId.get(id);
        if (!entry) return id;
        const n = entry.node;
        switch (n.__typename) {
          case 'ModelVersion':
            return `model ${n.model.project.slug}/${n.model.name}@${n.version} ${n.digest}`;
          case 'DatasetVersion':
            return `dataset ${n.dataset.project.slug}/${n.dataset.name}@${n.version} ${n.digest}`;
          case 'WorkflowVersion':
            return `workflow ${n.workflow.project.slug}/${n.workflow.name}#${n.number} ${n.digest}`;
          case 'Run':
            return `run ${n.runName ?? n.runnerId} ${n.status.toLowerCase()} (${id})`;
          case 'Finding':
            return colour(31, `finding ${n.severity.toLowerCase()}: ${n.title}`);
          default:
            return `${entry.type} ${id}`;
        }
      };
      // Upstream edges point from what was made to what it came from.
      const children = new Map<string, Array<{ to: string; relation: string }>>();
      for (const edge of graph.edges) {
        const list = children.get(edge.from) ?? [];
        list.push({ to: edge.to, relation: edge.relation.toLowerCase() });
        children.set(edge.from, list);
      }
      const seen = new Set<string>();
      const walk = (id: string, indent: string, relation: string) => {
        console.log(`${indent}${relation}${label(id)}`);
        if (seen.has(id)) return;
        seen.add(id);
        for (const child of children.get(id) ?? [])
          walk(child.to, `${indent}  `, `${child.relation} `);
      };
      walk(graph.start, '', '');
      if (graph.isPartial) console.log(`(cut at depth ${graph.truncatedAt})`);
    });

  withHub(program.command('impact'))
    .description(
      'everything downstream of a version or run: the runs, findings and versions it affects',
    )
    .argument('<ref>', 'an id, or PROJECT/NAME@VERSION')
    .option('--max-nodes <n>', 'how many nodes at most', '1000')
    .option('--json', 'as JSON')
    .action(async (ref: string, options: HubOptions & { maxNodes: string }) => {
      const maxNodes = Number(options.maxNodes);
      if (!Number.isInteger(maxNodes) || maxNodes < 1)
        throw new InvalidArgumentError('--max-nodes is a whole number');
      const impact = await (await hubClient(options)).impact(ref, maxNodes);
      if (!impact) throw new Error(`nothing ${ref} you may see`);
      if (options.json) return printJson(impact);
      const section = (title: string, lines: string[]) => {
        console.log(`${title} (${lines.length})`);
        for (const line of lines) console.log(`  ${line}`);
      };
      section(
        'findings now suspect',
        impact.findings.map((f) =>
          colour(31, `${f.severity.toLowerCase()} ${f.title} (${f.id}, run ${f.run.id})`),
        ),
      );
      section(
        'runs',
        impact.runs.map(
          (r) => `${r.name ?? r.runnerId} ${r.status.toLowerCase()} in ${r.project.slug} (${r.id})`,
        ),
      );
      section(
        'dataset versions',
        impact.datasetVersions.map(
          (v) => `${v.dataset.project.slug}/${v.dataset.name}@${v.version} ${v.digest}`,
        ),
      );
      section(
        'model versions',
        impact.modelVersions.map(
          (v) => `${v.model.project.slug}/${v.model.name}@${v.version} ${v.digest}`,
        ),
      );
      section(
        'artifacts',
        impact.artifacts.map((a) => `${a.name} ${a.digest}`),
      );
      if (impact.isPartial) console.log(`(cut at ${maxNodes} nodes)`);
    });

  const findings = program.command('findings').description('findings of runs: ls, triage');
  withHub(findings.command('ls'))
    .description('findings you may see, newest first')
    .option('--project <slug>', 'in one project')
    .option('--severity <severity>', 'of one severity, e.g. HIGH')
    .option('--kind <kind>', 'of one kind, e.g. REQUIREMENT_FAILED')
    .option('--json', 'as JSON')
    .action(
      async (options: HubOptions & { project?: string; severity?: string; kind?: string }) => {
        const client = await hubClient(options);
        const list = await client.findings({
          project: options.project ? [options.project] : undefined,
          severity: options.severity ? [options.severity.toUpperCase() as never] : undefined,
          kind: options.kind ? [options.kind] : undefined,
        });
        if (options.json) return printJson(list);
        printTable(
          list.map((f) => ({
            id: f.id,
            status: f.status.toLowerCase(),
            severity: f.severity.toLowerCase(),
            kind: f.kind,
            title: f.title,
            run: f.run.id,
          })),
          false,
        );
      },
    );

  withHub(findings.command('triage'))
    .description('set a finding’s status, with a comment saying why (kept in the audit log)')
    .argument('<finding>', 'the finding id')
    .requiredOption('--status <status>', 'open, confirmed, dismissed or resolved')
    .requiredOption('--comment <text>', 'why')
    .option('--json', 'as JSON')
    .action(
      async (findingId: string, options: HubOptions & { status: string; comment: string }) => {
        const status = options.status.toUpperCase();
        if (!['OPEN', 'CONFIRMED', 'DISMISSED', 'RESOLVED'].includes(status))
          throw new InvalidArgumentError('--status is open, confirmed, dismissed or resolved');
        const finding = await (await hubClient(options)).triage(
          findingId,
          status as FindingStatus,
          options.comment,
        );
        if (options.json) return printJson(finding);
        console.log(`${finding.id} ${finding.status.toLowerCase()}: ${finding.title}`);
      },
    );

  withHub(program.command('compare'))
    .description('runs side by side, metric by metric, with significance')
    .argument('<runs...>', 'two or more run ids')
    .option('--metric <key...>', 'only these metrics')
    .option('--json', 'as JSON')
    .action(async (ids: string[], options: HubOptions & { metric?: string[] }) => {
      const comparison = await (await hubClient(options)).compare(ids, options.metric);
      if (options.json) return printJson(comparison);
      printTable(
        comparison.metrics.map((m) => ({
          metric: m.key + (Object.keys(m.slice as object).length ? JSON.stringify(m.slice) : ''),
          ...Object.fromEntries(
            m.values.map((v, i) => [`run${i + 1}`, `${v.value ?? '-'}${v.significant ? '*' : ''}`]),
          ),
        })),
        false,
      );
    });

  withHub(program.command('report'))
    .description("a run's T&E report, as Markdown, HTML or PDF")
    .argument('<run>', 'the run id')
    .option('--format <format>', 'md, html or pdf', 'md')
    .option('-o, --output <file>', 'write it to this file (default: standard output)')
    .action(async (runId: string, options: HubOptions & { format: string; output?: string }) => {
      const format = options.format;
      if (format !== 'md' && format !== 'html' && format !== 'pdf')
        throw new InvalidArgumentError('--format is md, html or pdf');
      if (format === 'pdf' && !options.output)
        throw new InvalidArgumentError('a PDF report needs -o FILE');
      const client = await hubClient(options);
      const report =
        format === 'pdf' ? await client.report(runId, 'pdf') : await client.report(runId, format);
      if (options.output) {
        await writeFile(options.output, report);
        console.error(`wrote ${options.output}`);
      } else process.stdout.write(report as string);
    });

  withHub(program.command('export'))
    .description("a run's lineage as W3C PROV-JSON or OpenLineage events")
    .argument('<run>', 'the run id')
    .option('--prov', 'as PROV-JSON (default)')
    .option('--openlineage', 'as OpenLineage run events')
    .option('-o, --output <file>', 'write it to this file')
    .action(
      async (runId: string, options: HubOptions & { openlineage?: boolean; output?: string }) => {
        const client = await hubClient(options);
        const exported = await client.export(runId, options.openlineage ? 'openlineage' : 'prov');
        const text = `${JSON.stringify(exported, null, 2)}\n`;
        if (options.output) await writeFile(options.output, text);
        else process.stdout.write(text);
      },
    );
}
