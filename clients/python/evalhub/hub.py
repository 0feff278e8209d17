"""The hub: discovery, registration, runs, logging, search and lineage."""

from __future__ import annotations

import json
import os
import platform
import re
import sys
import urllib.parse
from pathlib import Path
from collections.abc import Callable
from typing import Any

from . import __version__
from ._transport import Transport
from .compare import COMPARE, comparison_frame
from .digest import digest_path, hashed_files
from ._stream import StreamDropped, subscribe
from .errors import (
    ERROR_FIELDS,
    REGISTER_MODEL_ERROR_FIELDS,
    NotFoundError,
    TransportError,
    ValidationError,
    from_typed,
)
from .external import ExternalRun
from .lineage import Trace
from .records import Record, records
from .reproduction import reproduce_mutation
from .runs import RUN_FIELDS, RUN_QUERY, Run
from .upload import upload

_COMMON_VERSION_FIELDS = (
    "id version uri format digest sizeBytes labels metadata createdAt createdBy createdByName"
)
# An ONNX model's signature, read by the hub when it was registered (None for other formats).
SIGNATURE_FIELDS = (
    "signature { irVersion producer opsets { domain version }"
    " inputs { name elementType shape } outputs { name elementType shape } }"
)
VERSION_FIELDS = _COMMON_VERSION_FIELDS + " " + SIGNATURE_FIELDS + " model { name project { slug } }"
DATASET_VERSION_FIELDS = _COMMON_VERSION_FIELDS + " itemCount dataset { name project { slug } }"

ENTRY_QUERY = """
query Entries($filter: {kind}Filter, $first: Int) {
  {field}(filter: $filter, first: $first) {
    edges { node { id name task tags description project { slug }
                   latestVersion { {version_fields} } } }
  }
}
"""

VERSIONS_QUERY = """
query Versions($filter: {kind}Filter) {
  {field}(filter: $filter, first: 100) {
    edges { node { name project { slug } versions(first: 100) { edges { node { {version_fields} } } } } }
  }
}
"""

REGISTER_ENTRY = """
mutation RegisterEntry($input: Register{kind}Input!) {
  register{kind}(input: $input) { __typename ... on Register{kind}Payload { created } {errors} }
}
"""

REGISTER_VERSION = """
mutation RegisterVersion($input: Register{kind}VersionInput!) {
  register{kind}Version(input: $input) {
    __typename ... on Register{kind}VersionPayload { created {field}Version { {version_fields} } }
    ... on ContentRegistration { id bytesTotal } {errors}
  }
}
"""

# Content too large for the hub to hash in the request is hashed in the background: followed
# until its version is registered, or its typed error.
REGISTRATION_PROGRESS = """
subscription Progress($id: ID!) {
  contentRegistrationProgress(id: $id) {
    state bytesHashed bytesTotal versionCreated
    registered{kind}Version { {version_fields} }
    error { __typename {errors} }
  }
}
"""

START_RUN = f"""
mutation StartRun($input: StartRunInput!) {{
  startRun(input: $input) {{ __typename ... on StartRunPayload {{ reused run {{ {RUN_FIELDS} }} }} {ERROR_FIELDS} }}
}}
"""

OPEN_EXTERNAL = f"""
mutation Open($input: OpenExternalRunInput!) {{
  openExternalRun(input: $input) {{ __typename ... on RunPayload {{ run {{ {RUN_FIELDS} }} }} {ERROR_FIELDS} }}
}}
"""

SEARCH = """
query Search($query: String, $filter: SearchFilter, $first: Int) {
  search(query: $query, filter: $filter, first: $first) {
    edges { node { type rank title snippet node { __typename ... on Node { id } } } }
  }
}
"""

TRACE = """
query Trace($id: ID!, $direction: LineageDirection!, $depth: Int!) {
  trace(id: $id, direction: $direction, depth: $depth) {
    start isPartial nodes { id type depth } edges { from to relation role }
  }
}
"""

REPRODUCE = reproduce_mutation(RUN_FIELDS)

DEFINE_WORKFLOW = f"""
mutation Define($input: DefineWorkflowInput!) {{
  defineWorkflow(input: $input) {{
    __typename ... on DefineWorkflowPayload {{ created workflowVersion {{ id number digest spec workflow {{ name }} }} }}
    {ERROR_FIELDS}
  }}
}}
"""

RUNNERS = "query { runners { id version description inputs { role kind formats optional multiple } } }"

# The format a path most likely has, when the caller does not say.
_FORMAT_BY_SUFFIX = {
    "Dataset": {".csv": "CSV", ".jsonl": "JSONL", ".json": "COCO"},
    "Model": {".onnx": "ONNX", ".csv": "PREDICTIONS", ".jsonl": "PREDICTIONS"},
}


def _fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def _parse_ref(ref: str) -> tuple[str, str, str | None]:
    """"project/name@version" -> (project, name, version or None)."""
    entry, _, version = ref.partition("@")
    project, slash, name = entry.partition("/")
    if not slash or not project or not name:
        raise ValueError(f'a reference is "project/name" or "project/name@version", not {ref!r}')
    return project, name, version or None


LOCAL_HUB = "http://127.0.0.1:4000"

_LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|::1)$", re.IGNORECASE)
# The hub's words for a path it may not read, or that is not there for it.
_UNREADABLE = re.compile(r"outside the allowed roots|no file or folder")


def login_config_path() -> Path:
    """Where `evalhub login` keeps the hub and token: $XDG_CONFIG_HOME/evalhub/config.json."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "evalhub" / "config.json"


def _login_config() -> dict:
    try:
        return json.loads(login_config_path().read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {login_config_path()}: {error}") from None


class Hub:
    """A connection to an evalhub server.

    `url` defaults to EVALHUB_URL, else the hub `evalhub login` stored, else the local one;
    `token` to EVALHUB_TOKEN, else the stored token (sent only to the stored hub). A hub on
    your own machine over its embedded database needs no token.
    """

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 60):
        stored = _login_config() if not (url and token is not None) else {}
        url = url or os.environ.get("EVALHUB_URL") or stored.get("hub") or LOCAL_HUB
        if token is None:
            token = os.environ.get("EVALHUB_TOKEN") or (
                stored.get("token") if stored.get("hub") and url.rstrip("/") == stored["hub"].rstrip("/") else None
            )
        self._transport = Transport(url, token or None, timeout)

    @property
    def url(self) -> str:
        return self._transport.url

    def __repr__(self) -> str:
        return f"<Hub {self.url}>"

    def graphql(self, query: str, variables: dict | None = None) -> dict[str, Any]:
        """Any GraphQL query; its `data`."""
        return self._transport.graphql(query, variables)

    # --- discovery ----------------------------------------------------------------------

    def _entries(self, kind: str, project, search, task, tag, first) -> list[Record]:
        query = _fill(
            ENTRY_QUERY,
            kind=kind,
            field=kind.lower() + "s",
            version_fields=DATASET_VERSION_FIELDS if kind == "Dataset" else VERSION_FIELDS,
        )
        flt = {k: v for k, v in {"project": project, "search": search, "task": task, "tag": tag}.items() if v}
        data = self._transport.graphql(query, {"filter": flt or None, "first": first})
        return records([edge["node"] for edge in data[kind.lower() + "s"]["edges"]])

    def models(self, project: str | None = None, search: str | None = None, task: str | None = None,
               tag: str | None = None, first: int = 100) -> list[Record]:
        """Models you may see, each with its latest version."""
        return self._entries("Model", project, search, task, tag, first)

    def datasets(self, project: str | None = None, search: str | None = None, task: str | None = None,
                 tag: str | None = None, first: int = 100) -> list[Record]:
        """Datasets you may see, each with its latest version."""
        return self._entries("Dataset", project, search, task, tag, first)

    def _versions(self, kind: str, ref: str) -> list[Record]:
        project, name, _ = _parse_ref(ref)
        query = _fill(
            VERSIONS_QUERY,
            kind=kind,
            field=kind.lower() + "s",
            version_fields=DATASET_VERSION_FIELDS if kind == "Dataset" else VERSION_FIELDS,
        )
        data = self._transport.graphql(query, {"filter": {"project": project, "search": name}})
        for edge in data[kind.lower() + "s"]["edges"]:
            if edge["node"]["name"] == name and edge["node"]["project"]["slug"] == project:
                return records([v["node"] for v in edge["node"]["versions"]["edges"]])
        raise NotFoundError(f"no {kind.lower()} {ref} (or not visible to you)", kind.lower(), ref)

    def model_versions(self, ref: str) -> list[Record]:
        """The versions of "project/name", with digests, formats, labels and metadata; an ONNX
        version's `signature` holds its inputs and outputs (name, elementType, shape), opsets,
        irVersion and producer, read by the hub when it was registered (None otherwise)."""
        return self._versions("Model", ref)

    def dataset_versions(self, ref: str) -> list[Record]:
        return self._versions("Dataset", ref)

    def _version(self, kind: str, ref: str) -> Record:
        _, _, label = _parse_ref(ref)
        versions = self._versions(kind, ref)
        for version in versions:
            if label in (version["version"], version["digest"]) or (label is None and version is versions[-1]):
                return version
        raise NotFoundError(f"no {kind.lower()} version {ref} (or not visible to you)", kind.lower(), ref)

    def model_version(self, ref: str) -> Record:
        """One version: "project/name@version" (or @sha256:...)."""
        return self._version("Model", ref)

    def dataset_version(self, ref: str) -> Record:
        return self._version("Dataset", ref)

    def runners(self) -> list[Record]:
        return records(self._transport.graphql(RUNNERS)["runners"])

    # --- registration -------------------------------------------------------------------

    def _wait_for_registration(self, kind: str, registration_id: str,
                               progress: Callable[[int, int], None] | None) -> Record:
        """The version a background registration made (its typed error raised if it failed)."""
        query = _fill(
            REGISTRATION_PROGRESS,
            kind=kind,
            errors=ERROR_FIELDS if kind == "Dataset" else REGISTER_MODEL_ERROR_FIELDS,
            version_fields=DATASET_VERSION_FIELDS if kind == "Dataset" else VERSION_FIELDS,
        )
        for _ in range(5):
            try:
                # Each subscription starts with the registration as it is now.
                for data in subscribe(self._transport.ws_url, self._transport.token, query,
                                      {"id": registration_id}):
                    state = data["contentRegistrationProgress"]
                    if progress:
                        progress(state["bytesHashed"], state["bytesTotal"])
                    if state["state"] == "FAILED":
                        raise from_typed(state["error"] or {"__typename": "Error", "message": "failed"})
                    if state["state"] == "DONE":
                        version = state[f"registered{kind}Version"]
                        return Record({**version, "created": bool(state["versionCreated"])})
                raise NotFoundError(f"no content registration {registration_id} (or not visible to you)",
                                    "contentRegistration", registration_id)
            except StreamDropped:
                continue
        raise TransportError("lost the stream of a background registration five times")

    def _register(self, kind: str, ref: str, path: str | os.PathLike, format: str | None, task: str,
                  metadata: dict | None, extra: dict, upload_content: bool | None,
                  progress: Callable[[int, int], None] | None = None) -> Record:
        project, name, version = _parse_ref(ref)
        self._transport.mutate(
            f"register{kind}",
            _fill(REGISTER_ENTRY, kind=kind, errors=ERROR_FIELDS),
            {"input": {"project": project, "name": name, "task": task}},
        )
        local = Path(path).expanduser().resolve()
        if format is None:
            format = "IMAGE_FOLDER" if kind == "Dataset" and local.is_dir() else \
                _FORMAT_BY_SUFFIX[kind].get(local.suffix.lower(), "OTHER")
        # Computed here, by the hub's rule: the hub checks it against what it reads.
        digest, is_folder, files = hashed_files(local)
        field = kind.lower()

        def register(uri: str) -> Record:
            payload = {
                field: f"{project}/{name}",
                "uri": uri,
                "digest": digest,
                "format": format,
                **({"version": version} if version else {}),
                **({"metadata": metadata} if metadata else {}),
                **extra,
            }
            result = self._transport.mutate(
                f"register{kind}Version",
                _fill(
                    REGISTER_VERSION,
                    kind=kind,
                    field=field,
                    errors=ERROR_FIELDS if kind == "Dataset" else REGISTER_MODEL_ERROR_FIELDS,
                    version_fields=DATASET_VERSION_FIELDS if kind == "Dataset" else VERSION_FIELDS,
                ),
                {"input": payload},
            )
            if result["__typename"] == "ContentRegistration":
                return self._wait_for_registration(kind, result["id"], progress)
            return Record({**result[f"{field}Version"], "created": result["created"]})

        def uploaded() -> Record:
            return register(upload(self._transport, project, local, digest, is_folder, files))

        if upload_content or (upload_content is None and not self._is_local()):
            return uploaded()
        try:
            return register(str(local))
        except ValidationError as error:
            # A hub that may not read the path (or does not have it) gets its content, unless
            # the caller said not to upload.
            unreadable = error.path and error.path[-1] == "uri" and _UNREADABLE.search(error.message)
            if upload_content is False or not unreadable:
                raise
            return uploaded()

    def _is_local(self) -> bool:
        """Whether the hub runs on this machine (and so may read its files)."""
        return bool(_LOOPBACK.match(urllib.parse.urlsplit(self.url).hostname or ""))

    def register_dataset(self, ref: str, path: str | os.PathLike, format: str | None = None,
                         task: str = "OTHER", metadata: dict | None = None,
                         upload: bool | None = None,
                         progress: Callable[[int, int], None] | None = None) -> Record:
        """Registers the file or folder at `path` as "project/name@version" (the version label
        is optional); its digest is computed here, the value `sha256sum` gives for a file.

        A hub that cannot read `path` (on another machine, or outside its data roots) gets the
        content uploaded to its store, and the version is registered as ``content:sha256:<hex>``.
        `upload`: True always uploads, False never does; None (the default) decides.

        Content larger than the hub hashes in a request (EVALHUB_INLINE_HASH_BYTES) is hashed
        by the hub in the background: this waits for it, telling `progress(bytes_hashed,
        bytes_total)` as it goes, and returns the version as for any other."""
        return self._register("Dataset", ref, path, format, task, metadata, {}, upload, progress)

    def register_model(self, ref: str, path: str | os.PathLike, format: str | None = None,
                       task: str = "OTHER", metadata: dict | None = None,
                       trained_on: list | None = None, upload: bool | None = None,
                       progress: Callable[[int, int], None] | None = None) -> Record:
        """As `register_dataset`, for a model version."""
        extra = {"trainedOn": [_version_id(v) for v in trained_on]} if trained_on else {}
        return self._register("Model", ref, path, format, task, metadata, extra, upload, progress)

    # --- runs ---------------------------------------------------------------------------

    def run(self, runner: str, model=None, dataset=None, inputs: dict | None = None,
            config: dict | None = None, seed: int | None = None, name: str | None = None,
            tags: list[str] | None = None, reuse: bool = False, project: str | None = None) -> Run:
        """Starts `runner` on the hub; `run.watch()` follows it. The run is in `project`, by
        default the project of its first input."""
        named = dict(inputs or {})
        if model is not None:
            named["model"] = model
        if dataset is not None:
            named["dataset"] = dataset
        project = project or next(filter(None, map(_project_of, named.values())), None)
        if project is None:
            raise ValueError("say which project the run is in (project=...)")
        payload = {
            "project": project,
            "runner": runner,
            "inputs": [{"role": role, "version": _version_id(v)} for role, v in named.items()],
            "config": config,
            "seed": seed,
            "name": name,
            "tags": tags,
            "reuse": reuse,
        }
        result = self._transport.mutate("startRun", START_RUN, {"input": _drop_none(payload)})
        return Run(self, result["run"])

    def reproduce(self, run) -> Run:
        """Re-executes a run the hub executed and that succeeded (a Run or its id), with the same
        runner version, config, seed and inputs, each input's content checked first against its
        recorded digest. Returns the new run: `watch()` it, then its `verdict()` is REPRODUCED
        (every metric bit for bit the same) or NOT_REPRODUCED (`verdict().differences()`).

        Raises InputContentError (an input changed or is gone: both digests), RunNotReproducibleError
        (recorded from outside the hub, not finished, or not succeeded), RunnerUnavailableError."""
        result = self._transport.mutate("reproduceRun", REPRODUCE, {"id": _version_id(run)})
        return Run(self, result["run"])

    def get_run(self, run_id: str) -> Run:
        node = self._transport.graphql(RUN_QUERY, {"id": run_id})["node"]
        if not node:
            raise NotFoundError(f"no run {run_id} (or not visible to you)", "run", run_id)
        return Run(self, node)

    def start_run(self, project: str, name: str | None = None, inputs: dict | None = None,
                  config: dict | None = None, seed: int | None = None, tags: list[str] | None = None,
                  runner: str = "python", runner_version: str | None = None,
                  environment: dict | None = None, workflow=None, batch_size: int = 200,
                  flush_interval: float = 1.0) -> ExternalRun:
        """Opens a run computed here; log to it, and leave the `with` block to finish it.

        `inputs` maps roles to versions: a record from this client, a version id,
        "project/name@version", a digest "sha256:...", or a local path (digested here).
        `workflow`, a workflow version (from `define_workflow`, or its id): when the run
        succeeds, the hub checks its metrics against the workflow's requirements and records a
        REQUIREMENT_PASSED or REQUIREMENT_FAILED finding for each.
        """
        payload = {
            "project": project,
            "name": name,
            "runner": runner,
            "runnerVersion": runner_version or __version__,
            "config": config or {},
            "seed": seed,
            "tags": tags,
            "inputs": [_input_by_ref_or_digest(role, v) for role, v in (inputs or {}).items()],
            "workflowVersion": _version_id(workflow) if workflow is not None else None,
            "environment": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "executable": sys.executable,
                "client": f"evalhub-python {__version__}",
                **(environment or {}),
            },
        }
        result = self._transport.mutate("openExternalRun", OPEN_EXTERNAL, {"input": _drop_none(payload)})
        return ExternalRun(self, result["run"], batch_size=batch_size, flush_interval=flush_interval)

    def compare(self, runs: list, metrics: list[str] | None = None):
        """Runs side by side (2 to 50, the first the baseline; hub runs and runs logged from
        outside alike): one row per metric, slice and run with its value, interval, difference
        from the first run and whether that is significant (COMPARISON_COLUMNS). A DataFrame
        when pandas is installed, else a list of dicts."""
        data = self._transport.graphql(COMPARE, {"ids": [_version_id(r) for r in runs], "metrics": metrics})
        return comparison_frame(data["compareRuns"])

    def define_workflow(self, project: str, name: str, spec: dict, description: str | None = None) -> Record:
        """Defines a workflow (steps and requirements, e.g. ``{"metric": "accuracy", "op": ">=",
        "threshold": 0.85}``), or gives back the version it already has with this spec; its
        version, with `created` telling which."""
        result = self._transport.mutate("defineWorkflow", DEFINE_WORKFLOW, {"input": _drop_none(
            {"project": project, "name": name, "spec": spec, "description": description})})
        return Record({**result["workflowVersion"], "created": result["created"]})

    # --- search and lineage -------------------------------------------------------------

    def search(self, query: str | None = None, where: dict | None = None, first: int = 20) -> list[Record]:
        """Models, datasets, workflows, runs and findings by words and a filter (SearchFilter),
        e.g. `hub.search("drift", where={"type": ["FINDING"], "severity": ["HIGH"]})`."""
        data = self._transport.graphql(SEARCH, {"query": query, "filter": where, "first": first})
        hits = []
        for edge in data["search"]["edges"]:
            hit = edge["node"]
            hits.append(Record({"type": hit["type"], "id": hit["node"]["id"], "title": hit["title"],
                                "snippet": hit["snippet"], "rank": hit["rank"],
                                "typename": hit["node"]["__typename"]}))
        return hits

    def trace(self, node, direction: str = "UPSTREAM", depth: int = 10) -> Trace:
        """The lineage graph from a finding, run or version (a record or an id)."""
        node_id = _version_id(node)
        data = self._transport.graphql(TRACE, {"id": node_id, "direction": direction, "depth": depth})["trace"]
        if data is None:
            raise NotFoundError(f"no node {node_id} (or not visible to you)", "node", node_id)
        return Trace(
            start=data["start"],
            nodes=records(data["nodes"]),
            edges=records(data["edges"]),
            is_partial=data["isPartial"],
        )


def _version_id(value) -> str:
    """The id of a record (a dict with "id", a Run) or the string given."""
    if isinstance(value, Run):
        return value.id
    if isinstance(value, dict):
        return value["id"]
    return str(value)


def _project_of(version) -> str | None:
    """The project of a version record, or of a "project/name@version" reference."""
    if isinstance(version, dict):
        entry = version.get("model") or version.get("dataset") or {}
        return (entry.get("project") or {}).get("slug")
    text = str(version)
    return text.split("/", 1)[0] if "/" in text and "@" in text else None


def _input_by_ref_or_digest(role: str, value) -> dict:
    if isinstance(value, (dict, Run)):
        return {"role": role, "version": _version_id(value)}
    if isinstance(value, os.PathLike) or (isinstance(value, str) and os.path.exists(value)):
        return {"role": role, "digest": digest_path(value)}
    if isinstance(value, str) and value.startswith("sha256:"):
        return {"role": role, "digest": value}
    text = str(value)
    if "@" in text and "/" in text:
        kind = _KIND_BY_ROLE.get(role)
        if kind is None:
            raise ValueError(
                f"input {role}: say whether {text!r} is a model or a dataset: pass the record "
                "from hub.model_version() / hub.dataset_version(), its id, or its digest"
            )
        return {"role": role, "version": text, "kind": kind}
    return {"role": role, "version": text}


_KIND_BY_ROLE = {"model": "MODEL_VERSION", "dataset": "DATASET_VERSION"}


def _drop_none(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if v is not None}
