"""Reproducing from Python: a run the hub executed is re-executed, watched to its end, and its
verdict read: REPRODUCED, or NOT_REPRODUCED with the metrics that differ as a DataFrame; the
hub's refusals are exceptions carrying their fields."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid

import pytest

import evalhub
from evalhub.reproduction import DIFFERENCE_COLUMNS

# A program whose metrics depend on a file it keeps between runs, outside config and seed.
COUNTER = """
import json, sys
run = json.load(sys.stdin)
params = run["config"]
try:
    with open(params["counter"]) as f:
        n = int(f.read())
except FileNotFoundError:
    n = 0
n += 1
with open(params["counter"], "w") as f:
    f.write(str(n))
if n > params["succeedTimes"]:
    print("ran once too often", file=sys.stderr)
    sys.exit(3)
def metric(key, value, **more):
    print(json.dumps({"type": "metric", "key": key, "value": value, **more}), flush=True)
metric("seeded", run["seed"] * 0.5, ci={"lower": run["seed"] * 0.25, "upper": run["seed"] * 0.75, "level": 0.95})
metric("draws", n, ci={"lower": n - 0.5, "upper": n + 0.5, "level": 0.95})
if n == 1:
    metric("first_time", 1)
"""

SETTINGS = """
mutation($input: SetProjectSettingsInput!) {
  setProjectSettings(input: $input) { __typename ... on Error { message } }
}
"""


def sha256sum(path) -> str:
    return "sha256:" + subprocess.run(["sha256sum", str(path)], capture_output=True, text=True).stdout.split()[0]


@pytest.fixture(scope="module")
def classified(tmp_path_factory, hub):
    """An evaluation the hub ran on registered images and predictions, to the end."""
    root = tmp_path_factory.mktemp("reproduce")
    rows = []
    for label in ("cat", "dog"):
        (root / "images" / label).mkdir(parents=True)
        for i in range(8):
            (root / "images" / label / f"{i}.png").write_bytes(f"{label}-{i}".encode())
            other = "dog" if label == "cat" else "cat"
            rows.append(f"{label}/{i}.png,{label if i % 3 else other}")
    predictions = root / "predictions.csv"
    predictions.write_text("id,label\n" + "\n".join(rows) + "\n")
    dataset = hub.register_dataset("rp/pets@v1", root / "images", task="IMAGE_CLASSIFICATION")
    model = hub.register_model("rp/classifier@v1", predictions, task="IMAGE_CLASSIFICATION")
    run = hub.run("evaluate-classification", model=model, dataset=dataset, seed=7).watch(progress=False)
    assert run.status == "SUCCEEDED", run.data.error
    return {"run": run, "predictions": predictions, "model": model}


@pytest.mark.usefixtures("pandas")
def test_a_reproduction_is_watched_to_its_verdict(hub, classified):
    original = classified["run"]
    again = hub.reproduce(original)
    assert again.id != original.id and again.data.reproduces == {"id": original.id}
    assert again.status in ("QUEUED", "RUNNING") and again.verdict() is None
    # Watched as any run: tqdm's bar, resumable stream.
    assert again.watch() is again and again.status == "SUCCEEDED"
    verdict = again.verdict()
    assert (verdict.kind, verdict.reproduced, verdict.original) == ("REPRODUCED", True, original.id)
    compared = len(original.metrics())
    assert compared > 5 and verdict.compared == compared
    assert verdict.title == f"Reproduced: all {compared} metrics identical"
    assert verdict.counts == {"differs": 0, "missing": 0, "added": 0}
    differences = verdict.differences()
    assert differences.empty and list(differences.columns) == DIFFERENCE_COLUMNS
    # The metrics themselves, bit for bit.
    assert again.metrics().equals(original.metrics())
    # By the run, or by its id: each asks for one more reproduction.
    by_id = hub.reproduce(original.id).watch(progress=False)
    assert by_id.verdict().reproduced and by_id.data.reproduces == {"id": original.id}


def test_not_reproduced_lists_what_differs_as_a_frame(hub, tmp_path, pandas):
    program = tmp_path / "counter.py"
    program.write_text(COUNTER)
    counter = tmp_path / "counter"
    assert hub.graphql(SETTINGS, {"input": {"project": "rp", "commandRunnerEnabled": True}})[
        "setProjectSettings"]["__typename"] == "ProjectPayload"
    original = hub.run(
        "command", project="rp", seed=4,
        config={"argv": [os.path.realpath(sys.executable), str(program)],
                "params": {"counter": str(counter), "succeedTimes": 2}},
    ).watch(progress=False)
    assert original.status == "SUCCEEDED", original.data.error

    again = original.reproduce().watch()
    assert again.status == "SUCCEEDED", again.data.error
    verdict = again.verdict()
    assert (verdict.kind, verdict.reproduced, verdict.reason) == ("NOT_REPRODUCED", False, None)
    assert verdict.title == "Not reproduced: of 3 metrics, 1 differ, 1 missing"
    assert verdict.compared == 2 and verdict.counts == {"differs": 1, "missing": 1, "added": 0}
    rows = verdict.differences().to_dict("records")
    assert rows[0] == {
        "change": "differs", "metric": "draws", "slice": {}, "step": 0, "fields": ["value", "lower", "upper"],
        "original": 1, "reproduced": 2, "difference": 1,
        "original_lower": 0.5, "original_upper": 1.5, "reproduced_lower": 1.5, "reproduced_upper": 2.5,
    }
    assert (rows[1]["change"], rows[1]["metric"], rows[1]["fields"]) == ("missing", "first_time", [])
    assert pandas.isna(rows[1]["original"]) and pandas.isna(rows[1]["reproduced"])
    assert len(rows) == 2

    # The program refuses a third run: the reproduction fails, and says why.
    failed = hub.reproduce(original).watch(progress=False)
    assert failed.status == "FAILED"
    verdict = failed.verdict()
    assert (verdict.kind, verdict.reason) == ("NOT_REPRODUCED", "RUN_FAILED")
    assert verdict.error["code"] == failed.data.error["code"]
    assert len(verdict.differences()) == 0


def test_refusals_are_exceptions_with_their_fields(hub, classified):
    with hub.start_run("rp", name="computed here") as external:
        external.log_metric("accuracy", 0.5)
    with pytest.raises(evalhub.RunNotReproducibleError) as outside:
        hub.reproduce(external)
    assert (outside.value.reason, outside.value.status) == ("EXTERNAL", "SUCCEEDED")

    with pytest.raises(evalhub.NotFoundError):
        hub.reproduce(base64.urlsafe_b64encode(f"Run:{uuid.uuid4()}".encode()).decode())

    predictions = classified["predictions"]
    recorded = classified["model"].digest
    predictions.write_text(predictions.read_text().replace("cat/0.png,dog", "cat/0.png,cat"))
    with pytest.raises(evalhub.InputContentError) as changed:
        hub.reproduce(classified["run"])
    error = changed.value
    assert (error.role, error.kind, error.version, error.state) == (
        "model", "MODEL_VERSION", "rp/classifier@v1", "CHANGED")
    assert (error.recorded_digest, error.actual_digest) == (recorded, sha256sum(predictions))
    assert recorded in error.message
