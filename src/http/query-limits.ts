// What one GraphQL document may ask for: bounded depth, aliases, directives and tokens
// (graphql-armor, graphql-js), and a bounded weight of the expensive fields (search,
// trace, impact, lineagePath, compare*), so one request of 10,000 aliased traces is refused
// at parsing or validation, before anything runs. A refused document is a 400 naming the limit.
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { QueryLimits } from '../config.ts';
import type { Database } from '../db/connect.ts';
import type { GraphQLContext } from '../schema/context.ts';
import {
  type ExpensiveWorkBudget,
  expensiveWorkBudget,
  fieldWeight,
  operationCost,
  rateLimitedError,
  tooLarge,
} from './query-cost.ts';

function expensiveFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext) => {
    let weight = 0;
    let reported = false;
    return {
      Field(node) {
        const parent = context.getParentType()?.name;
        const cost = parent ? fieldWeight(parent, node.name.value) : 0;
        if (!cost) return;
        weight += cost;
        if (weight > max && !reported) {
          reported = true;
          context.reportError(
            new GraphQLError(
              `query too expensive: search, trace, impact, lineagePath, provenanceBundle, compare* and report weigh over ${max} (EVALHUB_MAX_EXPENSIVE)`,
              { nodes: [node] },
            ),
          );
        }
      },
    };
  };
}

/**
 * Once the operation is known, with its variables: its size against `maxCost`, its expensive
 * fields' weight (lists multiplying it) against `maxExpensive`, then against the caller's budget.
 */
function costPlugin(
  limits: QueryLimits,
  budget: ExpensiveWorkBudget,
): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operationName, contextValue }) {
          const cost = operationCost(
            schema,
            document,
            request.variables,
            operationName ?? undefined,
          );
          if (!cost) return;
          const tooBig = tooLarge(cost, limits);
          if (tooBig) throw tooBig;
          const spent = await budget.spend(contextValue.actor, cost.weight);
          if (spent) throw rateLimitedError(spent);
        },
      };
    },
  };
}

/** Apollo's plugins and validation rules enforcing `limits`; budgets are kept in `db`. */
export function queryLimits(
  limits: QueryLimits,
  db: Database,
): {
  plugins: ApolloServerPlugin<GraphQLContext>[];
  parseOptions: ParseOptions;
  validationRules: ValidationRule[];
  maxCost: number;
  maxExpensive: number;
  /** Each caller's budget of expensive work, which REST routes spend too (rest-cost.ts). */
  budget: ExpensiveWorkBudget;
} {
  const budget = expensiveWorkBudget(db, limits.expensivePerMinute);
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    maxTokens: { enabled: false },
    // Armor's cost grows with depth, not with list sizes (the UI's registry page scores
    // 690,000): the cost that counts is the plugin's, where lists multiply (query-cost.ts).
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  const protection = armor.protect();
  return {
    plugins: [
      ...(protection.plugins as ApolloServerPlugin<GraphQLContext>[]),
      costPlugin(limits, budget),
    ],
    // graphql-js counts tokens while parsing; a longer document is a 400 parse error.
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [
      ...(protection.validationRules as ValidationRule[]),
      expensiveFieldsRule(limits.maxExpensive),
    ],
    maxCost: limits.maxCost,
    maxExpensive: limits.maxExpensive,
    budget,
  };
}
