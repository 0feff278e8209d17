"""Reproducing a run the hub executed, and the verdict its reproduction ends with.

    again = hub.reproduce(run).watch()
    verdict = again.verdict()          # REPRODUCED or NOT_REPRODUCED
    verdict.differences()              # a DataFrame of the metrics that differ, are missing or new
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import REPRODUCE_ERROR_FIELDS
from .records import Record, frame_or_list

if TYPE_CHECKING:
    from .runs import Run

REPRODUCED = "REPRODUCED"
NOT_REPRODUCED = "NOT_REPRODUCED"


def reproduce_mutation(run_fields: str) -> str:
    return f"""
mutation Reproduce($id: ID!) {{
  reproduceRun(id: $id) {{ __typename ... on RunPayload {{ run {{ {run_fields} }} }} {REPRODUCE_ERROR_FIELDS} }}
}}
"""


# One row per metric that did not come out the same: `change` is "differs", "missing" (not
# reported this time) or "added" (reported only this time); `fields` names what differs.
DIFFERENCE_COLUMNS = [
    "change", "metric", "slice", "step", "fields",
    "original", "reproduced", "difference",
    "original_lower", "original_upper", "reproduced_lower", "reproduced_upper",
]

# The hub's names of a metric's parts, as the client's metric columns call them.
_FIELD_NAMES = {"value": "value", "ciLower": "lower", "ciUpper": "upper", "ciLevel": "level",
                "sampleSize": "sample_size"}


class Verdict:
    """What a reproduction concluded: `kind` REPRODUCED (every metric bit for bit the same) or
    NOT_REPRODUCED (some differ, are missing or new; or the reproduction failed, `reason`
    "RUN_FAILED" with its `error`). `finding` is the finding the hub recorded it as."""

    def __init__(self, finding: Record):
        self.finding = finding
        self.evidence: dict[str, Any] = finding.get("evidence") or {}

    @property
    def kind(self) -> str:
        return self.finding["kind"]

    @property
    def reproduced(self) -> bool:
        return self.kind == REPRODUCED

    @property
    def title(self) -> str:
        return self.finding["title"]

    @property
    def summary(self) -> str:
        return self.finding["summary"]

    @property
    def original(self) -> str:
        """The id of the run reproduced."""
        return self.evidence.get("reproduces")

    @property
    def compared(self) -> int:
        """How many metrics were found in both runs and compared."""
        return self.evidence.get("compared", 0)

    @property
    def reason(self) -> str | None:
        """"RUN_FAILED" when the reproduction did not succeed; None when metrics were compared."""
        return self.evidence.get("reason")

    @property
    def error(self) -> dict | None:
        """The reproduction's error ({"code", "message"}) when it failed."""
        return self.evidence.get("error")

    @property
    def counts(self) -> dict[str, int]:
        """How many metrics differ, are missing and are new (complete, where the lists the hub
        keeps stop at 50 of each)."""
        return {
            "differs": self.evidence.get("differingCount", 0),
            "missing": self.evidence.get("missingCount", 0),
            "added": self.evidence.get("addedCount", 0),
        }

    def differences(self):
        """The metrics that did not come out the same, one row each (DIFFERENCE_COLUMNS): a
        DataFrame when pandas is installed, else a list of dicts. Empty when reproduced."""
        rows = []
        for change, key in (("differs", "differing"), ("missing", "missing"), ("added", "added")):
            for item in self.evidence.get(key) or []:
                before = item.get("original") or {}
                after = item.get("reproduced") or {}
                rows.append({
                    "change": change,
                    "metric": item["metric"],
                    "slice": item.get("slice") or {},
                    "step": item.get("step", 0),
                    "fields": [_FIELD_NAMES.get(f, f) for f in item.get("fields") or []],
                    "original": before.get("value"),
                    "reproduced": after.get("value"),
                    "difference": item.get("difference"),
                    "original_lower": before.get("ciLower"),
                    "original_upper": before.get("ciUpper"),
                    "reproduced_lower": after.get("ciLower"),
                    "reproduced_upper": after.get("ciUpper"),
                })
        return frame_or_list(rows, DIFFERENCE_COLUMNS)

    def __repr__(self) -> str:
        return f"<Verdict {self.kind}: {self.title}>"


def verdict_of(run: Run) -> Verdict | None:
    """The verdict a reproduction holds once it ended; None while it runs, when it was
    cancelled (a cancelled reproduction concludes nothing), or for a run that reproduces none."""
    for finding in run.findings():
        if finding["kind"] in (REPRODUCED, NOT_REPRODUCED):
            return Verdict(finding)
    return None


__all__ = ["DIFFERENCE_COLUMNS", "NOT_REPRODUCED", "REPRODUCED", "Verdict", "verdict_of"]
