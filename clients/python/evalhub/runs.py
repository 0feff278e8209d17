"""A run on the hub: its status, live events, metrics, findings and report."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._stream import StreamDropped, subscribe
from .errors import ERROR_FIELDS, NotFoundError
from .records import Record, frame_or_list, records
from .reproduction import Verdict, verdict_of

if TYPE_CHECKING:
    from .hub import Hub

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")

RUN_FIELDS = """
  id name status source runnerId runnerVersion seed config environment createdBy createdByName createdAt startedAt finishedAt
  error { code message }
  progress { fraction stage message }
  project { slug }
  reproduces { id }
  inputs { role version { __typename ... on ModelVersion { id digest version }
                                     ... on DatasetVersion { id digest version } } }
"""

RUN_QUERY = f"query Run($id: ID!) {{ node(id: $id) {{ ... on Run {{ {RUN_FIELDS} }} }} }}"

EVENTS_SUBSCRIPTION = """
subscription RunEvents($runId: ID!, $after: String) {
  runEvents(runId: $runId, after: $after) {
    __typename cursor seq at
    ... on RunStatusEvent { status reason }
    ... on RunProgressEvent { fraction stage progressMessage: message }
    ... on RunLogEvent { level message }
    ... on RunMetricEvent { metric { key value step slice ciLower ciUpper ciLevel sampleSize } }
    ... on RunFindingEvent { kind severity title finding { id } }
    ... on RunArtifactEvent { name mediaType digest sizeBytes }
  }
}
"""

METRICS_QUERY = """
query RunMetrics($id: ID!, $key: String, $after: String) {
  node(id: $id) { ... on Run { metrics(key: $key, first: 500, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { key value step slice ciLower ciUpper ciLevel sampleSize } }
  } } }
}
"""

FINDINGS_QUERY = """
query RunFindings($id: ID!) {
  node(id: $id) { ... on Run { findings {
    id kind severity title summary evidence status createdAt
    subject { __typename ... on ModelVersion { id digest } ... on DatasetVersion { id digest } }
  } } }
}
"""

ARTIFACTS_QUERY = """
query RunArtifacts($id: ID!) {
  node(id: $id) { ... on Run { artifacts { id name mediaType digest sizeBytes url } } }
}
"""

CANCEL = f"""
mutation Cancel($id: ID!) {{
  cancelRun(id: $id) {{ __typename ... on RunPayload {{ run {{ {RUN_FIELDS} }} }} {ERROR_FIELDS} }}
}}
"""

METRIC_COLUMNS = ["key", "value", "lower", "upper", "level", "slice", "step", "sample_size"]

# The report formats GET /api/v1/runs/{id}/report serves, by file suffix.
REPORT_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}


class Run:
    """A run (started here, recorded from outside, or imported); `run.data` is what the hub said last."""

    def __init__(self, hub: Hub, data: dict):
        self.hub = hub
        self.data = Record(data)

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def status(self) -> str:
        return self.data["status"]

    def __repr__(self) -> str:
        return f"<Run {self.id} {self.data.get('runnerId')} {self.status}>"

    def refresh(self) -> Run:
        node = self.hub._transport.graphql(RUN_QUERY, {"id": self.id})["node"]
        self.data = Record(node)
        return self

    def events(self, after: str | None = None, retries: int = 10) -> Iterator[Record]:
        """Every event of the run after the cursor `after`, live, until it ends.

        A dropped connection is resumed from the last cursor received: no gap, no duplicate.
        """
        cursor = after
        failures = 0
        while True:
            try:
                stream = subscribe(
                    self.hub._transport.ws_url,
                    self.hub._transport.token,
                    EVENTS_SUBSCRIPTION,
                    {"runId": self.id, "after": cursor},
                )
                for data in stream:
                    event = Record(data["runEvents"])
                    cursor = event["cursor"]
                    failures = 0
                    yield event
                return
            except StreamDropped:
                failures += 1
                if failures > retries:
                    raise
                time.sleep(min(0.2 * 2**failures, 5))

    def watch(self, progress: bool | None = None, log: Any = None) -> Run:
        """Follows the run until it ends (a progress bar when tqdm is installed); returns it.

        `log`, when given, is called with each log line (e.g. `print`).
        """
        bar = _progress_bar(self) if progress is not False else None
        try:
            for event in self.events():
                kind = event["__typename"]
                if kind == "RunProgressEvent" and bar is not None and event.get("fraction") is not None:
                    bar.n = round(event["fraction"] * 100, 1)
                    if event.get("stage"):
                        bar.set_description(event["stage"])
                    bar.refresh()
                elif kind == "RunLogEvent" and log is not None:
                    log(f"[{event['level']}] {event['message']}")
                elif kind == "RunStatusEvent" and event["status"] in TERMINAL and bar is not None:
                    if event["status"] == "SUCCEEDED":
                        bar.n = 100
                    bar.set_description(event["status"].lower())
                    bar.refresh()
        finally:
            if bar is not None:
                bar.close()
        return self.refresh()

    def wait(self, timeout: float | None = None, poll: float = 0.5) -> Run:
        """Polls until the run ends (watch() streams instead)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.refresh().status not in TERMINAL:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {self.id} is still {self.status}")
            time.sleep(poll)
        return self

    def metrics(self, key: str | None = None):
        """Metrics with their intervals: a DataFrame when pandas is installed, else a list of dicts."""
        rows = [
            {
                "key": m["key"],
                "value": m["value"],
                "lower": m["ciLower"],
                "upper": m["ciUpper"],
                "level": m["ciLevel"],
                "slice": m["slice"] or {},
                "step": m["step"],
                "sample_size": m["sampleSize"],
            }
            for m in self._all_metrics(key)
        ]
        return frame_or_list(rows, METRIC_COLUMNS)

    def _all_metrics(self, key: str | None):
        """Every metric (of `key`), page after page: a run may have many thousands."""
        after = None
        while True:
            node = self.hub._transport.graphql(METRICS_QUERY, {"id": self.id, "key": key, "after": after})["node"]
            if node is None:
                raise NotFoundError(f"run {self.id} is not visible")
            page = node["metrics"]
            yield from (edge["node"] for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def findings(self) -> list[Record]:
        return records(self.hub._transport.graphql(FINDINGS_QUERY, {"id": self.id})["node"]["findings"])

    def artifacts(self) -> list[Record]:
        return records(self.hub._transport.graphql(ARTIFACTS_QUERY, {"id": self.id})["node"]["artifacts"])

    def report(self, path: str | Path | None = None, format: str | None = None) -> str | Path:
        """The T&E report: written to `path` (its format from the suffix), else returned as Markdown."""
        if path is None:
            return self.hub._transport.get(f"/api/v1/runs/{self.id}/report?format={format or 'md'}").decode()
        path = Path(path)
        name = format or REPORT_FORMATS.get(path.suffix.lower())
        if name is None:
            raise ValueError(f"say the format: {path.suffix!r} is none of {sorted(REPORT_FORMATS)}")
        body = self.hub._transport.get(f"/api/v1/runs/{self.id}/report?format={name}", timeout=120)
        path.write_bytes(body)
        return path

    def reproduce(self) -> Run:
        """Asks the hub to re-execute this run (see `Hub.reproduce`); the new run."""
        return self.hub.reproduce(self)

    def verdict(self) -> Verdict | None:
        """What this reproduction concluded (REPRODUCED or NOT_REPRODUCED, with the metrics that
        differ), once it ended; None while it runs, if it was cancelled, or if it reproduces no run."""
        return verdict_of(self)

    def cancel(self) -> Run:
        result = self.hub._transport.mutate("cancelRun", CANCEL, {"id": self.id})
        self.data = Record(result["run"])
        return self


def _progress_bar(run: Run):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    try:
        return tqdm(total=100, desc=run.data.get("runnerId") or "run", unit="%", leave=True)
    except Exception:  # no terminal, no widgets: watch without a bar
        return None


__all__ = ["Run", "TERMINAL"]
