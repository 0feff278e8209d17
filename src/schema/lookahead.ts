// What a request asks for below the field being resolved, so that a list can bring what
// its items' fields will need in its own statement (the loaders it primes answer them).
// Asking for more than the fields will use only costs a column; asking for less, a statement.
import {
  type FieldNode,
  type GraphQLResolveInfo,
  getArgumentValues,
  isObjectType,
  type SelectionSetNode,
} from 'graphql';

/** The fields of `set`, through inline fragments and fragment spreads. */
function fieldsOf(set: SelectionSetNode, info: GraphQLResolveInfo): FieldNode[] {
  return set.selections.flatMap((selection) => {
    if (selection.kind === 'Field') return [selection];
    if (selection.kind === 'InlineFragment') return fieldsOf(selection.selectionSet, info);
    const fragment = info.fragments[selection.name.value];
    return fragment ? fieldsOf(fragment.selectionSet, info) : [];
  });
}

/** The fields asked at `path` below the field being resolved, e.g. edges.node. */
function fieldNodesAt(info: GraphQLResolveInfo, path: string[]): FieldNode[] {
  let sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path)
    sets = sets.flatMap((set) =>
      fieldsOf(set, info).flatMap((field) =>
        field.name.value === name && field.selectionSet ? [field.selectionSet] : [],
      ),
    );
  return sets.flatMap((set) => fieldsOf(set, info));
}

/** The names of the fields asked at `path` below the field being resolved, e.g. edges.node. */
export function fieldsAskedAt(info: GraphQLResolveInfo, path: string[]): Set<string> {
  return new Set(fieldNodesAt(info, path).map((field) => field.name.value));
}

/** Whether the connection being resolved is asked its `totalCount` (a count of its own). */
export function asksTotalCount(info: GraphQLResolveInfo): boolean {
  return fieldsAskedAt(info, []).has('totalCount');
}

/**
 * The arguments (variables resolved, defaults applied) of each distinct use of the connection
 * `type.field` at `path`, with whether it asks its `totalCount`: a list can then bring the
 * page each of its items will ask for.
 */
export function connectionsAskedAt(
  info: GraphQLResolveInfo,
  path: string[],
  type: string,
  field: string,
): Array<Record<string, unknown> & { withTotal: boolean }> {
  const parent = info.schema.getType(type);
  const definition = isObjectType(parent) ? parent.getFields()[field] : undefined;
  if (!definition) return [];
  const uses = new Map<string, Record<string, unknown> & { withTotal: boolean }>();
  for (const node of fieldNodesAt(info, path)) {
    if (node.name.value !== field) continue;
    const args = {
      ...getArgumentValues(definition, node, info.variableValues),
      withTotal: node.selectionSet
        ? fieldsOf(node.selectionSet, info).some((f) => f.name.value === 'totalCount')
        : false,
    };
    uses.set(JSON.stringify(args), args);
  }
  return [...uses.values()];
}
