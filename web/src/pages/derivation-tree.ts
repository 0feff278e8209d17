// A dataset's versions as a derived-from tree: each version after the one it was made from,
// one level deeper; a version made from outside the list (another dataset's) starts a tree.

export interface Derived {
  id: string;
  derivedFrom?: { id: string } | null;
}

/** The versions in tree order (each root's descendants after it, in list order), with depths. */
export function derivationTree<V extends Derived>(versions: readonly V[]): [V, number][] {
  const listed = new Set(versions.map((v) => v.id));
  const childrenOf = new Map<string, V[]>();
  const roots: V[] = [];
  for (const version of versions) {
    const parent = version.derivedFrom?.id;
    if (parent && listed.has(parent) && parent !== version.id)
      childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), version]);
    else roots.push(version);
  }
  const ordered: [V, number][] = [];
  const visit = (version: V, depth: number) => {
    ordered.push([version, depth]);
    for (const child of childrenOf.get(version.id) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return ordered;
}
