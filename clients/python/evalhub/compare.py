"""Runs side by side: each metric of each run, with its difference from the first run."""

from __future__ import annotations

from .records import frame_or_list

COMPARE = """
query Compare($ids: [ID!]!, $metrics: [String!]) {
  compareRuns(ids: $ids, metrics: $metrics) {
    runs { id name }
    metrics {
      key slice
      values { value ciLower ciUpper ciLevel sampleSize delta deltaLower deltaUpper pValue significant method
               run { id } }
    }
  }
}
"""

# One row per metric (key and slice) and run, the first run's first: `delta` is the value minus
# the first run's; `significant` whether that difference holds at the 95% level (None when it
# cannot be told), judged by `method` (PAIRED_BOOTSTRAP, INTERVAL_OVERLAP or NONE).
COMPARISON_COLUMNS = [
    "key", "slice", "run", "run_name", "value", "lower", "upper", "level", "sample_size",
    "delta", "delta_lower", "delta_upper", "significant", "p_value", "method",
]


def comparison_rows(comparison: dict) -> list[dict]:
    names = {run["id"]: run["name"] for run in comparison["runs"]}
    return [
        {
            "key": metric["key"],
            "slice": metric["slice"] or {},
            "run": value["run"]["id"],
            "run_name": names.get(value["run"]["id"]),
            "value": value["value"],
            "lower": value["ciLower"],
            "upper": value["ciUpper"],
            "level": value["ciLevel"],
            "sample_size": value["sampleSize"],
            "delta": value["delta"],
            "delta_lower": value["deltaLower"],
            "delta_upper": value["deltaUpper"],
            "significant": value["significant"],
            "p_value": value["pValue"],
            "method": value["method"],
        }
        for metric in comparison["metrics"]
        for value in metric["values"]
    ]


def comparison_frame(comparison: dict):
    """A DataFrame of `comparison_rows` when pandas is installed, else the rows."""
    return frame_or_list(comparison_rows(comparison), COMPARISON_COLUMNS)
