// What drift compares: per dataset, a table of numeric features (one column per feature) and
// the labels of its labelled items, whatever the features were extracted from.

export interface FeatureSet {
  /** Feature names, in order. */
  names: string[];
  /** `columns[j][i]` is feature j of row i; NaN where a table has no value. */
  columns: Float64Array[];
  rows: number;
  /** One label per labelled item (not necessarily per row), or null when there are none. */
  labels: string[] | null;
}

/** The features both sets have, in the reference's order. */
export function sharedFeatures(reference: FeatureSet, dataset: FeatureSet): string[] {
  const other = new Set(dataset.names);
  return reference.names.filter((name) => other.has(name));
}

/** The values of feature `name`, missing ones (NaN) left out. */
export function presentValues(set: FeatureSet, name: string): Float64Array {
  return set.columns[set.names.indexOf(name)]!.filter((value) => !Number.isNaN(value));
}
