// What one operation costs, with its variables, before it runs (graphql-query-complexity):
// - its size: the objects it may fetch, where a list multiplies what it selects by how many
//   it may return (`first`/`last`, the ids of `nodes`, else the default page), so nested
//   lists of 500 are seen for the millions of rows they ask for; over EVALHUB_MAX_COST: 400;
// - its weight: the expensive fields (search, trace..., a run's report), times the items of
//   the lists above them, over EVALHUB_MAX_EXPENSIVE: 400; a caller with a token spends it
//   from a budget per minute (EVALHUB_RATE_LIMIT_EXPENSIVE): 429 once it is spent.
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isLeafType,
  isListType,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { Database } from '../db/connect.ts';
import type { Actor } from '../resolvers/core/actor.ts';
import { DEFAULT_PAGE_SIZE } from '../resolvers/core/pagination.ts';
import { workBudget } from '../resolvers/identity/work-budget.ts';

/** The expensive fields and what each counts towards `maxExpensive`. */
export const EXPENSIVE_FIELDS: Readonly<Record<string, number>> = {
  search: 5,
  trace: 10,
  impact: 10,
  lineagePath: 10,
  provenanceBundle: 10,
  compareRuns: 10,
  compareModels: 10,
  // Run.report: gathers every section of a run (and of each step of a workflow run).
  report: 10,
};

/** The types whose fields of those names are the expensive ones (a filter's `search` is not). */
const EXPENSIVE_ON = new Set(['Query', 'Subscription', 'Run']);

/** What the field `name` of `parent` weighs: 0 unless it is an expensive field. */
export const fieldWeight = (parent: string, name: string): number =>
  EXPENSIVE_ON.has(parent) ? (EXPENSIVE_FIELDS[name] ?? 0) : 0;

/** How many items a field may return: its page, its ids, or one. */
function itemsOf(
  args: Record<string, unknown>,
  parent: string,
  listed: boolean,
  connection: boolean,
) {
  const first = args.first ?? args.last;
  if (typeof first === 'number') return first;
  if (Array.isArray(args.ids)) return args.ids.length;
  // A connection's `edges` and `nodes` are the page its field was already counted for.
  if (parent.endsWith('Connection')) return 1;
  return listed || connection ? DEFAULT_PAGE_SIZE : 1;
}

/** How many times the field's selection runs: the items it may return, or one. */
const itemsOfField: (options: Parameters<ComplexityEstimator>[0]) => number = ({
  type,
  field,
  args,
}) => {
  const named = getNamedType(field.type);
  const listed = isListType(getNullableType(field.type));
  return itemsOf(args, type.name, listed, named.name.endsWith('Connection'));
};

/** Objects fetched: one per object field, times the items of the lists above it. */
const size: ComplexityEstimator = (options) =>
  isLeafType(getNamedType(options.field.type))
    ? 0
    : 1 + itemsOfField(options) * options.childComplexity;

/**
 * The expensive fields' weights, once per selection (aliases count each time), times the
 * items of the lists above them: a report of each of 500 runs weighs 500 reports.
 */
const weight: ComplexityEstimator = (options) =>
  fieldWeight(options.type.name, options.field.name) +
  itemsOfField(options) * options.childComplexity;

export interface OperationCost {
  size: number;
  weight: number;
}

/**
 * The cost of `document`'s operation with `variables`; null when the variables do not fit it
 * (execution refuses them, saying why). An operation whose fragments expand past what the
 * estimate walks is as large as can be.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): OperationCost | null {
  const key = `${operationName ?? ''} ${JSON.stringify(variables ?? {})}`;
  if (key.length > MAX_COST_KEY) return costOf(schema, document, variables, operationName);
  let costs = knownCosts.get(document);
  if (!costs) {
    costs = new Map();
    knownCosts.set(document, costs);
  }
  if (costs.has(key)) return costs.get(key)!;
  const cost = costOf(schema, document, variables, operationName);
  if (costs.size >= COSTS_KEPT) costs.delete(costs.keys().next().value!);
  costs.set(key, cost);
  return cost;
}

// Costs already worked out, per parsed document (Apollo keeps one per query text) and
// operation name and variables: walking the operation twice cost 3 % of the hub's CPU on
// a page of runs, asked again and again with the same variables. The schema never changes.
const knownCosts = new WeakMap<DocumentNode, Map<string, OperationCost | null>>();
/** Costs kept per document, the oldest dropped first. */
const COSTS_KEPT = 100;
/** Variables longer than this (as JSON) are not kept: such requests are rarely the same. */
const MAX_COST_KEY = 1024;

function costOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): OperationCost | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return null;
  try {
    const of = (estimator: ComplexityEstimator) =>
      getComplexity({ estimators: [estimator], schema, query: document, variables, operationName });
    return { size: of(size), weight: of(weight) };
  } catch {
    return { size: Number.POSITIVE_INFINITY, weight: Number.POSITIVE_INFINITY };
  }
}

/** The operation is larger or more expensive than a request may be: nothing ran. */
export function tooLarge(
  cost: OperationCost,
  limits: { maxCost: number; maxExpensive: number },
): GraphQLError | null {
  const extensions = { code: 'QUERY_TOO_LARGE', http: { status: 400 } };
  if (cost.size > limits.maxCost)
    return new GraphQLError(
      `query too large: it may fetch ${Number.isFinite(cost.size) ? `about ${cost.size}` : 'countless'} objects (lists multiply what they select), over ${limits.maxCost} (EVALHUB_MAX_COST); ask for smaller pages`,
      { extensions },
    );
  if (cost.weight > limits.maxExpensive)
    return new GraphQLError(
      `query too expensive: its search, trace, impact, lineagePath, provenanceBundle, compare* and report fields weigh ${Number.isFinite(cost.weight) ? cost.weight : 'countless'} (lists multiply them), over ${limits.maxExpensive} (EVALHUB_MAX_EXPENSIVE)`,
      { extensions },
    );
  return null;
}

/** A caller's budget of expensive work is spent: why, and when to try again. */
export interface BudgetSpent {
  message: string;
  retryAfterSeconds: number;
}

/** What `expensiveWorkBudget` makes: GraphQL (query-limits.ts) and REST (rest-cost.ts) share it. */
export interface ExpensiveWorkBudget {
  /** Spends `weight` of `actor`'s budget; why not, when there is not enough left. */
  spend(actor: Actor, weight: number): Promise<BudgetSpent | null>;
}

/**
 * Per-caller budgets of expensive work (identity/work-budget.ts), kept in `db`: each token
 * (or OIDC user) may spend `perMinute` weight a minute, whichever hub process it calls.
 */
export function expensiveWorkBudget(db: Database, perMinute: number): ExpensiveWorkBudget {
  const budget = workBudget(db, perMinute);
  return {
    async spend(actor, weight) {
      const refused = await budget.spend(actor, weight);
      if (!refused) return null;
      const retryAfterSeconds = refused.retryAfterSeconds;
      return {
        message: `rate limited: this caller spent its budget of expensive work (${perMinute} a minute: search weighs ${EXPENSIVE_FIELDS.search}, trace ${EXPENSIVE_FIELDS.trace}; EVALHUB_RATE_LIMIT_EXPENSIVE); try again in ${retryAfterSeconds} s`,
        retryAfterSeconds,
      };
    },
  };
}

/** A spent budget as GraphQL answers it: 429 with Retry-After. */
export function rateLimitedError(spent: BudgetSpent): GraphQLError {
  return new GraphQLError(spent.message, {
    extensions: {
      code: 'RATE_LIMITED',
      http: {
        status: 429,
        headers: new Map([['retry-after', String(spent.retryAfterSeconds)]]),
      },
    },
  });
}
