"""Logging an evaluation computed here as a run on the hub.

    with hub.start_run("vision", name="my-eval", inputs={"dataset": dv}) as run:
        run.log_metric("accuracy", 0.91, ci=(0.88, 0.94))

Events are numbered here and sent in batches by a background thread; a batch the hub may
have stored before an error is sent again under the same numbers, and the hub stores it
once. Leaving the block flushes what is left and finishes the run: FAILED, with the
exception, if one was raised.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ERROR_FIELDS, EvalhubError, TransportError
from .runs import RUN_FIELDS, Run

if TYPE_CHECKING:
    from .hub import Hub

APPEND = f"""
mutation Append($input: AppendExternalRunEventsInput!) {{
  appendExternalRunEvents(input: $input) {{
    __typename ... on AppendExternalRunEventsPayload {{ stored nextSeq }} {ERROR_FIELDS}
  }}
}}
"""

FINISH = f"""
mutation Finish($input: FinishExternalRunInput!) {{
  finishExternalRun(input: $input) {{ __typename ... on RunPayload {{ run {{ {RUN_FIELDS} }} }} {ERROR_FIELDS} }}
}}
"""

SEVERITIES = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")

# The hub reads requests of up to 16 MiB: a batch stays well under, one event must fit.
BATCH_BYTES = 8 * 1024 * 1024
EVENT_BYTES = 12 * 1024 * 1024


class ExternalRun(Run):
    """A run this process computes and records; use it as a context manager."""

    def __init__(
        self,
        hub: Hub,
        data: dict,
        batch_size: int = 200,
        flush_interval: float = 1.0,
        retries: int = 8,
    ):
        super().__init__(hub, data)
        self.batch_size = max(1, min(batch_size, 1000))
        self.flush_interval = flush_interval
        self.retries = retries
        self._pending: list[tuple[dict, int]] = []  # each event with its size as JSON
        self._sent = 0  # events the hub has stored
        self._queued = 0  # events numbered so far
        self._error: BaseException | None = None
        self._closed = False
        self._lock = threading.Condition()
        self._sender = threading.Thread(target=self._send_loop, daemon=True, name="evalhub-sender")
        self._sender.start()

    # --- what a notebook logs ---------------------------------------------------------

    def log_metric(
        self,
        key: str,
        value: float,
        ci: tuple[float, float] | None = None,
        level: float = 0.95,
        slice: dict[str, Any] | None = None,
        step: int | None = None,
        sample_size: int | None = None,
    ) -> None:
        """A metric value, with its confidence interval `ci=(lower, upper)` at `level`."""
        event: dict[str, Any] = {"type": "metric", "key": key, "value": float(value)}
        if ci is not None:
            lower, upper = ci
            event["ci"] = {"lower": float(lower), "upper": float(upper), "level": level}
        if slice:
            event["slice"] = {str(k): str(v) for k, v in slice.items()}
        if step is not None:
            event["step"] = int(step)
        if sample_size is not None:
            event["sampleSize"] = int(sample_size)
        self._push(event)

    def log_finding(
        self,
        title: str,
        severity: str = "MEDIUM",
        kind: str = "observation",
        summary: str | None = None,
        evidence: dict | None = None,
        subject: str | None = None,
    ) -> None:
        """A finding; `subject` is the input role it is about (e.g. "dataset")."""
        severity = severity.upper()
        if severity not in SEVERITIES:
            raise ValueError(f"severity is one of {', '.join(SEVERITIES)}")
        event: dict[str, Any] = {"type": "finding", "kind": kind, "severity": severity, "title": title}
        if summary is not None:
            event["summary"] = summary
        if evidence is not None:
            event["evidence"] = evidence
        if subject is not None:
            event["subjectRole"] = subject
        self._push(event)

    def log_artifact(
        self, path_or_name: str | Path, content: str | bytes | None = None, media_type: str | None = None
    ) -> None:
        """A file (its bytes are sent: the hub does not read your disk), or `content` under a name."""
        if content is None:
            path = Path(path_or_name)
            name, data = path.name, path.read_bytes()
        else:
            name, data = str(path_or_name), content
        media_type = media_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        event: dict[str, Any] = {"type": "artifact", "name": name, "mediaType": media_type}
        if isinstance(data, str):
            event["text"] = data
        else:
            event["base64"] = base64.b64encode(data).decode("ascii")
        self._push(event)

    def log(self, message: str, level: str = "info") -> None:
        self._push({"type": "log", "level": level, "message": message})

    def progress(self, fraction: float | None = None, stage: str | None = None, message: str | None = None) -> None:
        event: dict[str, Any] = {"type": "progress"}
        for k, v in (("fraction", fraction), ("stage", stage), ("message", message)):
            if v is not None:
                event[k] = v
        self._push(event)

    # --- sending ------------------------------------------------------------------------

    def _push(self, event: dict) -> None:
        size = len(json.dumps(event))
        if size > EVENT_BYTES:
            raise ValueError(f"an event of {size} bytes is more than the hub takes in one request")
        with self._lock:
            self._raise_failure()
            if self._closed:
                raise EvalhubError(f"run {self.id} is finished; it takes no more events")
            self._pending.append((event, size))
            self._queued += 1
            if len(self._pending) >= self.batch_size:
                self._lock.notify_all()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise EvalhubError(f"sending events of run {self.id} failed: {self._error}") from self._error

    def _send_loop(self) -> None:
        while True:
            with self._lock:
                if not self._pending and not self._closed:
                    self._lock.wait(self.flush_interval)
                if not self._pending:
                    if self._closed:
                        return
                    continue
                batch, total = [], 0
                for event, size in self._pending[: self.batch_size]:
                    if batch and total + size > BATCH_BYTES:
                        break
                    batch.append(event)
                    total += size
                first = self._sent + 1
            try:
                self._send(first, batch)
            except BaseException as error:  # kept, and raised in the caller's thread
                with self._lock:
                    self._error = error
                    self._pending.clear()
                    self._lock.notify_all()
                return
            with self._lock:
                del self._pending[: len(batch)]
                self._sent += len(batch)
                self._lock.notify_all()

    def _send(self, first: int, batch: list[dict]) -> None:
        attempt = 0
        while True:
            try:
                self.hub._transport.mutate(
                    "appendExternalRunEvents", APPEND, {"input": {"run": self.id, "firstSeq": first, "events": batch}}
                )
                return
            except TransportError:
                # The batch may or may not be stored: send it again, the hub stores it once.
                attempt += 1
                if attempt > self.retries:
                    raise
                time.sleep(min(0.25 * 2**attempt, 10))

    def flush(self, timeout: float | None = None) -> None:
        """Waits until every event logged so far is stored on the hub."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._lock.notify_all()
            while self._sent < self._queued and self._error is None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"{self._queued - self._sent} events of run {self.id} are not sent yet")
                self._lock.wait(0.1 if remaining is None else min(remaining, 0.1))
            self._raise_failure()

    def finish(self, status: str = "SUCCEEDED", error: BaseException | str | None = None) -> Run:
        """Sends what is left and ends the run (SUCCEEDED, or FAILED with `error`).

        If sending failed, the run is finished FAILED with that error, which is then raised.
        """
        send_error: EvalhubError | None = None
        try:
            self.flush()
        except EvalhubError as failure:
            send_error = failure
        finally:
            with self._lock:
                self._closed = True
                self._lock.notify_all()
            self._sender.join()
        if send_error is not None:
            status, error = "FAILED", error or send_error
        payload: dict[str, Any] = {"run": self.id, "status": status, "eventCount": self._sent}
        if status == "FAILED":
            if isinstance(error, BaseException):
                payload["error"] = {"code": type(error).__name__, "message": str(error) or type(error).__name__}
            else:
                payload["error"] = {"message": error or "failed"}
        result = self.hub._transport.mutate("finishExternalRun", FINISH, {"input": payload})
        self.data.update(result["run"])
        if send_error is not None:
            raise send_error
        return self

    def __enter__(self) -> ExternalRun:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            self.finish("SUCCEEDED")
        else:
            try:
                self.finish("FAILED", exc)
            except EvalhubError:
                pass  # the block's own exception matters more
        return False
