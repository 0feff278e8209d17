// What a request asks for below the field being resolved, so that a list can bring what
// its items' fields will need in its own statement (the loaders it primes answer them).
// Asking for more than the fields will use only costs a column; asking for less, a statement.
import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/** The fields of `set`, through inline fragments and fragment spreads. */
function fieldsOf(set: SelectionSetNode, info: GraphQLResolveInfo): FieldNode[] {
  return set.selections.flatMap((selection) => {
    if (selection.kind === 'Field') return [selection];
    if (selection.kind === 'InlineFragment') return fieldsOf(selection.selectionSet, info);
    const fragment = info.fragments[selection.name.value];
    return fragment ? fieldsOf(fragment.selectionSet, info) : [];
  });
}

/** The names of the fields asked at `path` below the field being resolved, e.g. edges.node. */
export function fieldsAskedAt(info: GraphQLResolveInfo, path: string[]): Set<string> {
  let sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path)
    sets = sets.flatMap((set) =>
      fieldsOf(set, info).flatMap((field) =>
        field.name.value === name && field.selectionSet ? [field.selectionSet] : [],
      ),
    );
  return new Set(sets.flatMap((set) => fieldsOf(set, info).map((field) => field.name.value)));
}
