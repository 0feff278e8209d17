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

/** The expensive root fields and what each counts towards `maxExpensive`. */
export const EXPENSIVE_FIELDS: Readonly<Record<string, number>> = {
  search: 5,
  trace: 10,
  impact: 10,
  lineagePath: 10,
  provenanceBundle: 10,
  compareRuns: 10,
  compareModels: 10,
};

function expensiveFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext) => {
    let weight = 0;
    let reported = false;
    return {
      Field(node) {
        const cost = EXPENSIVE_FIELDS[node.name.value];
        if (!cost || context.getParentType()?.name !== 'Query') return;
        weight += cost;
        if (weight > max && !reported) {
          reported = true;
          context.reportError(
            new GraphQLError(
              `query too expensive: search, trace, impact, lineagePath, provenanceBundle and compare* weigh over ${max} (EVALHUB_MAX_EXPENSIVE)`,
              { nodes: [node] },
            ),
          );
        }
      },
    };
  };
}

/** Apollo's plugins and validation rules enforcing `limits`. */
export function queryLimits(limits: QueryLimits): {
  plugins: ApolloServerPlugin[];
  parseOptions: ParseOptions;
  validationRules: ValidationRule[];
} {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    maxTokens: { enabled: false },
    // Armor's cost grows with depth, not with list sizes: the UI's registry page (a few
    // dozen fields) scores 690,000 while a 10,000-alias bomb is stopped by the token limit.
    // Depth, aliases, tokens, the expensive fields' weight and the list maxima bound a request.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  const protection = armor.protect();
  return {
    plugins: protection.plugins as ApolloServerPlugin[],
    // graphql-js counts tokens while parsing; a longer document is a 400 parse error.
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [
      ...(protection.validationRules as ValidationRule[]),
      expensiveFieldsRule(limits.maxExpensive),
    ],
  };
}
