// What was evaluated: the workflow version, the model and dataset versions by digest, where
// each came from (derived-from chains, training data), what each ONNX model takes and gives,
// the steps, and the versions made.
import { canonicalJson } from '../../core/canonical-json.ts';
import type { WorkflowPlan } from '../../workflows/runs.ts';
import type { Block, Content, Inline, Section } from '../document.ts';
import { formatTime } from '../format.ts';
import type { SignatureValue, VersionFacts, VersionLink } from '../report-versions.ts';
import { statusVerdict } from './summary.ts';
import { type ReportView, runGlobalId } from './view.ts';

const HIDDEN = 'a version in a project you may not see';
/** Chains longer than this are cut, with a note: a report stays readable. */
const MAX_CHAIN = 20;

const kindName = (link: VersionLink) => (link.kind === 'MODEL_VERSION' ? 'model' : 'dataset');

const versionCell = (version: VersionFacts | null): Content =>
  version ? { code: version.ref } : HIDDEN;

/** "`a@v2` (`sha256:...`), derived from `a@v1` (`sha256:...`) by `{...}`, itself derived ...". */
function derivation(view: ReportView, version: VersionFacts): Inline[] {
  const parts: Inline[] = [{ code: version.ref }, ' (', { code: version.digest }, ')'];
  let current = version;
  for (let depth = 0; current.derivedFromId; depth++) {
    if (depth === MAX_CHAIN) {
      parts.push(`, and ${MAX_CHAIN}+ more derivations`);
      break;
    }
    const source = view.version(current.derivedFromId);
    parts.push(depth ? ', itself derived from ' : ', derived from ');
    if (!source) {
      parts.push(HIDDEN);
      break;
    }
    parts.push({ code: source.ref }, ' (', { code: source.digest }, ')');
    if (current.transform != null) parts.push(' by ', { code: canonicalJson(current.transform) });
    current = source;
  }
  return parts;
}

/** An ONNX input or output as `name: type [dims]`. */
const valueText = (value: SignatureValue) =>
  `${value.name}: ${value.elementType}${value.shape ? ` [${value.shape.join(', ')}]` : ''}`;

/** What each ONNX model takes and gives, as read when it was registered. */
function signatures(used: VersionFacts[]): Block | null {
  const items: Content[] = used.flatMap((version) =>
    version.signature
      ? [
          [
            { code: version.ref },
            ' takes ',
            ...version.signature.inputs.flatMap((v, i): Inline[] => [
              ...(i ? ['; '] : []),
              { code: valueText(v) },
            ]),
            ' and gives ',
            ...version.signature.outputs.flatMap((v, i): Inline[] => [
              ...(i ? ['; '] : []),
              { code: valueText(v) },
            ]),
          ],
        ]
      : [],
  );
  return items.length ? { kind: 'list', items } : null;
}

function origins(view: ReportView, used: VersionFacts[]): Block {
  const items: Content[] = [];
  for (const version of used) {
    if (version.derivedFromId) items.push(derivation(view, version));
    for (const id of version.trainedOn) {
      const data = view.version(id);
      items.push([
        { code: version.ref },
        ' was trained on ',
        ...(data ? derivation(view, data) : [HIDDEN]),
      ]);
    }
  }
  return items.length
    ? { kind: 'list', items }
    : {
        kind: 'paragraph',
        content:
          'Every input was registered as it is: none is derived from another version, and no model declares its training data.',
      };
}

export function evaluatedSection(view: ReportView): Section {
  const { data } = view;
  const blocks: Block[] = [];
  if (data.workflow && view.isWorkflow) {
    blocks.push({
      kind: 'facts',
      rows: [
        ['Workflow', { code: data.workflow.ref }],
        ['Version', String(data.workflow.number)],
        ['Spec digest', { code: data.workflow.digest }],
        [
          'Defined',
          `${formatTime(data.workflow.createdAt)} by ${view.who(data.workflow.createdBy)}`,
        ],
      ],
    });
  }
  const inputs = data.links.filter((l) => l.runId === data.run.id && l.relation === 'USED');
  blocks.push({ kind: 'subheading', text: 'Inputs' });
  blocks.push(
    inputs.length
      ? {
          kind: 'table',
          columns: [
            { title: 'Input' },
            { title: 'Kind' },
            { title: 'Version' },
            { title: 'Digest' },
            { title: 'Format' },
            { title: 'Items', numeric: true },
            { title: 'Location' },
            { title: 'Registered' },
          ],
          rows: inputs.map((link) => {
            const v = link.version;
            return [
              link.position ? `${link.role} #${link.position + 1}` : link.role,
              kindName(link),
              versionCell(v),
              v ? { code: v.digest } : '–',
              v?.format ?? '–',
              v?.itemCount == null ? '–' : String(v.itemCount),
              v ? { code: v.uri } : '–',
              v ? `${formatTime(v.createdAt)} by ${view.who(v.createdBy)}` : '–',
            ];
          }),
        }
      : { kind: 'paragraph', content: 'The run took no model or dataset version.' },
  );
  const used = inputs.flatMap((link) => (link.version ? [link.version] : []));
  if (used.length) {
    blocks.push({ kind: 'subheading', text: 'Where the inputs came from' });
    blocks.push(origins(view, used));
    const models = signatures(used);
    if (models) {
      blocks.push({ kind: 'subheading', text: 'What the models take and give' });
      blocks.push(models);
    }
  }
  if (view.isWorkflow) {
    const plan = data.run.config as WorkflowPlan;
    const runs = new Map(data.steps.map((step) => [step.stepId, step]));
    blocks.push({ kind: 'subheading', text: 'Steps' });
    blocks.push({
      kind: 'table',
      columns: [
        { title: 'Step' },
        { title: 'Runner' },
        { title: 'Inputs' },
        { title: 'After' },
        { title: 'Seed', numeric: true },
        { title: 'Status' },
        { title: 'Run id' },
      ],
      rows: plan.steps.map((step) => {
        const run = runs.get(step.id);
        return [
          step.id,
          { code: `${step.runner} ${step.runnerVersion}` },
          Object.entries(step.inputs)
            .map(([role, input]) => `${role} ← ${input}`)
            .join(', ') || '–',
          step.dependsOn.join(', ') || '–',
          String(step.seed),
          run ? statusVerdict(run.status) : 'not started',
          run ? { code: runGlobalId(run.id) } : '–',
        ];
      }),
    });
  }
  const made = data.links.filter((l) => l.relation === 'GENERATED');
  if (made.length) {
    blocks.push({ kind: 'subheading', text: 'Versions the run made' });
    blocks.push({
      kind: 'list',
      items: made.map((link) => [
        `${view.runLabel(link.runId)}, output ${link.role}: `,
        ...(link.version ? derivation(view, link.version) : [HIDDEN]),
      ]),
    });
  }
  return { id: 'evaluated', title: 'What was evaluated', blocks };
}
