// A robustness curve: the swept metric on the clean dataset and at each severity of each
// perturbation, with the derived dataset version each point was measured on.
import type { StoredDatasetOutput } from '../contract.ts';
import type { Estimate } from '../evaluate-classification/classification-results.ts';
import { PERTURBATIONS, type PerturbationKind } from '../images/perturbations.ts';

export interface CurvePoint {
  severity: number;
  estimate: Estimate;
  dataset: StoredDatasetOutput;
}

export interface PerturbationCurve {
  kind: PerturbationKind;
  /** In the order the config lists the severities (mild to severe). */
  points: CurvePoint[];
}

export interface RobustnessCurve {
  metric: string;
  items: number;
  clean: Estimate;
  curves: PerturbationCurve[];
}

/** The curve as the robustness.json artifact: every number, and the versions measured. */
export function curveDocument(curve: RobustnessCurve, dropThreshold: number): unknown {
  return {
    metric: curve.metric,
    items: curve.items,
    dropThreshold,
    clean: curve.clean,
    perturbations: curve.curves.map(({ kind, points }) => ({
      kind,
      parameter: PERTURBATIONS[kind].parameter,
      points: points.map(({ severity, estimate, dataset }) => ({
        severity,
        ...estimate,
        drop: curve.clean.value - estimate.value,
        dataset: { id: dataset.id, ref: dataset.ref, digest: dataset.digest },
      })),
    })),
  };
}
