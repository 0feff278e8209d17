// Findings about copies: exact duplicates inflate a dataset and leak between splits; copies
// with different labels are label errors; near duplicates are the same picture twice.
import type { FindingEmission } from '../contract.ts';
import type { NearPair } from './duplicates.ts';

/** What the findings need to know of an image. */
export interface ProfiledImage {
  id: string;
  /** Its class, or null when it has none. */
  label: string | null;
}

/** Labels that differ within a group (null counts as a label of its own). */
function mixedLabels(group: readonly number[], images: readonly ProfiledImage[]): boolean {
  return new Set(group.map((i) => images[i]!.label)).size > 1;
}

/**
 * A DUPLICATES finding for groups of byte-identical images: MEDIUM, HIGH when a group holds
 * different labels (the same image cannot be both). Lists at most `maxListed` groups.
 */
export function duplicatesFinding(
  groups: readonly number[][],
  images: readonly ProfiledImage[],
  maxListed: number,
): FindingEmission | null {
  if (groups.length === 0) return null;
  const extra = groups.reduce((sum, group) => sum + group.length - 1, 0);
  const conflicting = groups.filter((group) => mixedLabels(group, images));
  const show = (group: readonly number[]) =>
    group.map((i) => ({ id: images[i]!.id, label: images[i]!.label }));
  return {
    kind: 'DUPLICATES',
    severity: conflicting.length ? 'HIGH' : 'MEDIUM',
    title: `${extra} images are exact copies of others (${groups.length} groups)`,
    summary:
      `${groups.length} groups of byte-identical files hold ${extra} copies beyond the first of ` +
      'each. Copies weigh their image more than the others and, split between training and ' +
      `test data, inflate scores.${conflicting.length ? ` ${conflicting.length} groups carry different labels for the same image.` : ''}`,
    evidence: {
      duplicateCount: extra,
      groupCount: groups.length,
      conflictingGroupCount: conflicting.length,
      conflictingGroups: conflicting.slice(0, maxListed).map(show),
      groups: groups.slice(0, maxListed).map(show),
      artifact: 'profile.json',
    },
    subjectRole: 'dataset',
  };
}

/**
 * A NEAR_DUPLICATES finding for pairs of images whose perceptual hashes are at most
 * `maxDistance` bits apart: LOW, MEDIUM when a pair's labels differ. Lists at most `maxListed`
 * pairs, closest first.
 */
export function nearDuplicatesFinding(
  pairs: readonly NearPair[],
  images: readonly ProfiledImage[],
  maxDistance: number,
  maxListed: number,
): FindingEmission | null {
  if (pairs.length === 0) return null;
  const conflicting = pairs.filter((pair) => mixedLabels([pair.a, pair.b], images));
  const show = ({ a, b, distance }: NearPair) => ({
    a: images[a]!.id,
    b: images[b]!.id,
    labels: [images[a]!.label, images[b]!.label],
    distance,
  });
  const closest = [...pairs].sort((x, y) => x.distance - y.distance || x.a - y.a || x.b - y.b);
  return {
    kind: 'NEAR_DUPLICATES',
    severity: conflicting.length ? 'MEDIUM' : 'LOW',
    title: `${pairs.length} pairs of images are near duplicates`,
    summary:
      `${pairs.length} pairs of different files show nearly the same picture: their 64-bit ` +
      `perceptual hashes differ in at most ${maxDistance} bits, as resized, re-encoded or lightly ` +
      `edited copies do.${conflicting.length ? ` ${conflicting.length} pairs carry different labels.` : ''}`,
    evidence: {
      pairCount: pairs.length,
      maxHammingDistance: maxDistance,
      conflictingPairCount: conflicting.length,
      pairs: closest.slice(0, maxListed).map(show),
      artifact: 'profile.json',
    },
    subjectRole: 'dataset',
  };
}
