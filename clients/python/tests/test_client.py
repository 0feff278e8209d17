"""The Python client against a real hub: registration, discovery, hub runs watched live,
runs logged from Python, search, trace and the hub's typed errors as exceptions."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
import uuid

import pytest

import evalhub
from evalhub._transport import Transport
from evalhub.errors import TransportError


def sha256sum(path) -> str:
    return "sha256:" + subprocess.run(["sha256sum", str(path)], capture_output=True, text=True).stdout.split()[0]


def folder_sha256sum(path) -> str:
    script = "find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum"
    return "sha256:" + subprocess.run(["bash", "-c", script], cwd=path, capture_output=True, text=True).stdout.split()[0]


@pytest.fixture(scope="module")
def pets(tmp_path_factory, hub):
    """A tiny image folder, predictions made elsewhere, both registered."""
    root = tmp_path_factory.mktemp("pets")
    images = root / "images"
    labels = []
    for label, count in (("cat", 6), ("dog", 6)):
        (images / label).mkdir(parents=True)
        for i in range(count):
            (images / label / f"{i}.png").write_bytes(f"{label}-{i}".encode())
            labels.append((f"{label}/{i}.png", label if i else ("dog" if label == "cat" else "cat")))
    predictions = root / "predictions.csv"
    predictions.write_text("id,label\n" + "".join(f"{i},{p}\n" for i, p in labels))
    dataset = hub.register_dataset("nb/pets@v1", images, task="IMAGE_CLASSIFICATION")
    model = hub.register_model("nb/classifier@v1", predictions, task="IMAGE_CLASSIFICATION")
    return {"root": root, "images": images, "predictions": predictions, "dataset": dataset, "model": model}


def test_digests_are_what_coreutils_gives(tmp_path):
    (tmp_path / "sub dir").mkdir()
    (tmp_path / "sub dir" / "b.txt").write_text("bee\n")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "Z.txt").write_text("zed")
    assert evalhub.digest_path(tmp_path / "a.txt") == sha256sum(tmp_path / "a.txt")
    assert evalhub.digest_path(tmp_path) == folder_sha256sum(tmp_path)


def test_registers_with_the_local_digest_and_discovers(hub, pets):
    assert pets["dataset"].digest == folder_sha256sum(pets["images"])
    assert pets["model"].digest == sha256sum(pets["predictions"])
    assert pets["dataset"].format == "IMAGE_FOLDER" and pets["model"].format == "PREDICTIONS"
    assert pets["dataset"].labels == ["cat", "dog"] and pets["dataset"].itemCount == 12
    again = hub.register_dataset("nb/pets@v1", pets["images"], task="IMAGE_CLASSIFICATION")
    assert again.created is False and again.id == pets["dataset"].id
    found = hub.datasets(project="nb", search="pets")
    assert [d.name for d in found] == ["pets"]
    assert found[0].latestVersion["digest"] == pets["dataset"].digest
    assert [m.name for m in hub.models(project="nb")] == ["classifier"]
    assert hub.dataset_version("nb/pets@v1").id == pets["dataset"].id
    assert hub.dataset_version(f"nb/pets@{pets['dataset'].digest}").id == pets["dataset"].id
    assert [v.version for v in hub.model_versions("nb/classifier")] == ["v1"]


def test_the_hubs_typed_errors_are_exceptions(hub, hub_process, pets, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("id,label\n")
    with pytest.raises(evalhub.ConflictError):
        hub.register_model("nb/classifier@v1", other)
    with pytest.raises(evalhub.NotFoundError) as missing:
        hub.start_run("nb", inputs={"dataset": "sha256:" + "0" * 64})
    assert missing.value.ref == "sha256:" + "0" * 64
    with pytest.raises(evalhub.ValidationError) as invalid:
        hub.start_run("nb", runner="not a label")
    assert invalid.value.path == ["input", "runner"]
    viewer = evalhub.Hub(hub_process.url, hub_process.viewer_token)
    assert [d.name for d in viewer.datasets(project="nb")] == ["pets"]
    with pytest.raises(evalhub.ForbiddenError) as forbidden:
        viewer.start_run("nb", name="not allowed")
    assert (forbidden.value.required, forbidden.value.held) == ("contributor", "viewer")
    tokenless = evalhub.Hub(hub_process.url, token="")
    if hub_process.local_mode:  # a hub on this machine over PGlite: the local operator
        assert [d.name for d in tokenless.datasets(project="nb")] == ["pets"]
    else:
        with pytest.raises(evalhub.AuthenticationError):
            tokenless.datasets()


@pytest.mark.usefixtures("pandas")
def test_runs_an_evaluation_watches_it_and_reads_its_results(hub, pets, tmp_path):
    # Its project is its inputs' (nb); the progress bar is tqdm's.
    run = hub.run("evaluate-classification", model=pets["model"], dataset=pets["dataset"])
    assert run.watch().status == "SUCCEEDED", run.data.get("error")
    assert run.data.project == {"slug": "nb"}
    metrics = run.metrics()
    accuracy = metrics[(metrics.key == "accuracy") & metrics.slice.map(lambda s: not s)].iloc[0]
    assert accuracy.value == pytest.approx(10 / 12)
    assert accuracy.lower <= accuracy.value <= accuracy.upper
    report = run.report(tmp_path / "report.html")
    assert pets["dataset"].digest in report.read_text()
    assert "accuracy" in run.report()


def test_watch_resumes_after_the_connection_drops(hub, hub_process, proxy):
    through = evalhub.Hub(f"http://127.0.0.1:{proxy.port}", hub_process.admin_token)
    run = through.run("event-generator", project="nb", config={"events": 200, "ratePerSecond": 400})
    seqs = []
    for event in run.events():
        seqs.append(event.seq)
        if len(seqs) in (20, 60):
            proxy.cut()
    assert proxy.cuts == 2
    assert seqs == list(range(1, len(seqs) + 1))
    assert event.__typename == "RunStatusEvent" and event.status == "SUCCEEDED"


@pytest.mark.usefixtures("pandas")
def test_logs_a_run_from_python_seen_live_searched_and_traced(hub, hub_process, pets):
    watcher = evalhub.Hub(hub_process.url, hub_process.admin_token)
    with hub.start_run(
        "nb", name="holdout calibration", inputs={"model": pets["model"], "dataset": pets["images"]},
        config={"bins": 10}, flush_interval=0.05,
    ) as run:
        seen = []
        first_metric = threading.Event()

        def watch():
            for event in watcher.get_run(run.id).events():
                seen.append(event)
                if event.__typename == "RunMetricEvent":
                    first_metric.set()

        follower = threading.Thread(target=watch)
        follower.start()
        run.log_metric("ece", 0.04, ci=(0.02, 0.06), slice={"split": "holdout"}, sample_size=12)
        # The subscriber sees the metric while the run is still open.
        assert first_metric.wait(30)
        assert watcher.get_run(run.id).status == "RUNNING"
        run.log_finding("Overconfident on the holdout pets", severity="HIGH", kind="calibration",
                        evidence={"ece": 0.04}, subject="dataset")
        run.log_artifact("notes.md", "# notes\n")
        with pytest.raises(ValueError):
            run.log_artifact("huge.bin", b"0" * (10 * 1024 * 1024))
        for step in range(50):
            run.log_metric("loss", 1 / (step + 1), step=step)
    follower.join(30)
    assert run.status == "SUCCEEDED"
    assert [e.status for e in seen if e.__typename == "RunStatusEvent"] == ["QUEUED", "RUNNING", "SUCCEEDED"]
    assert len([e for e in seen if e.__typename == "RunMetricEvent"]) == 51

    metrics = run.metrics("ece")
    assert metrics.to_dict("records")[0] == {
        "key": "ece", "value": 0.04, "lower": 0.02, "upper": 0.06, "level": 0.95,
        "slice": {"split": "holdout"}, "step": 0, "sample_size": 12,
    }
    [finding] = run.findings()
    assert finding.subject["digest"] == pets["dataset"].digest
    assert [a.name for a in run.artifacts()] == ["notes.md"]

    hits = hub.search("overconfident holdout")
    assert finding.id in [h.id for h in hits]
    runs = hub.search(where={"type": ["RUN"], "usedVersion": pets["dataset"].digest})
    assert run.id in [h.id for h in runs]
    trace = hub.trace(finding)
    digests = {hub.graphql("query($id: ID!) { node(id: $id) { ... on DatasetVersion { digest } } }",
                           {"id": n.id})["node"].get("digest") for n in trace.of_type("DatasetVersion")}
    assert pets["dataset"].digest in digests
    assert run.id in [n.id for n in trace.nodes]
    try:
        import networkx
    except ImportError:
        return
    graph = trace.to_networkx()
    # Upstream, along the edges: the finding came from the run, which used the dataset.
    assert networkx.has_path(graph, finding.id, pets["dataset"].id)
    assert graph.edges[finding.id, run.id]["relation"] == "GENERATED"
    assert graph.edges[run.id, pets["dataset"].id] == {"relation": "USED", "role": "dataset"}
    assert not networkx.has_path(graph, pets["dataset"].id, finding.id)


@pytest.mark.usefixtures("pandas")
def test_leaving_the_block_on_an_exception_fails_the_run(hub):
    with pytest.raises(ZeroDivisionError):
        with hub.start_run("nb", name="crashes") as run:
            run.log_metric("accuracy", 0.5)
            1 / 0
    failed = hub.get_run(run.id)
    assert failed.status == "FAILED"
    assert failed.data.error == {"code": "ZeroDivisionError", "message": "division by zero"}
    assert failed.metrics().value.tolist() == [0.5]


class LosesAnswers(Transport):
    """Delivers every other append, then reports a timeout: the hub stored it, the client cannot know."""

    calls = 0

    def mutate(self, field, query, variables):
        result = super().mutate(field, query, variables)
        if field == "appendExternalRunEvents":
            LosesAnswers.calls += 1
            if LosesAnswers.calls % 2:
                raise TransportError("timed out")
        return result


@pytest.mark.usefixtures("pandas")
def test_a_batch_sent_again_after_a_lost_answer_is_stored_once(hub_process):
    flaky = evalhub.Hub(hub_process.url, hub_process.admin_token)
    flaky._transport.__class__ = LosesAnswers
    with flaky.start_run("nb", name="flaky network", batch_size=10) as run:
        for i in range(35):
            run.log_metric("value", float(i), step=i)
    assert LosesAnswers.calls >= 8
    assert sorted(flaky.get_run(run.id).metrics().step.tolist()) == list(range(35))


def test_pandas_and_tqdm_are_never_required(hub, monkeypatch):
    # As if neither were installed: `import pandas` and `import tqdm.auto` raise ImportError.
    for name in ("pandas", "tqdm", "tqdm.auto"):
        monkeypatch.setitem(sys.modules, name, None)
    run = hub.run("event-generator", project="nb", config={"events": 6})
    assert run.watch().status == "SUCCEEDED"  # no bar: no tqdm
    assert run.metrics() == [
        {"key": "generated", "value": float(i), "lower": None, "upper": None, "level": None,
         "slice": {}, "step": i, "sample_size": None}
        for i in (1, 4)
    ]
    with hub.start_run("nb", name="no pandas") as logged:
        logged.log_metric("accuracy", 0.75, ci=(0.7, 0.8))
    assert [(m["key"], m["lower"]) for m in logged.metrics()] == [("accuracy", 0.7)]
    verdict = hub.reproduce(run).watch().verdict()
    assert verdict.reproduced and verdict.differences() == []


def test_compares_a_hub_run_with_one_logged_from_python(hub, pets, pandas):
    # The same evaluation as before: the hub gives back the run it already has.
    evaluated = hub.run("evaluate-classification", model=pets["model"], dataset=pets["dataset"], reuse=True)
    assert evaluated.watch(progress=False).status == "SUCCEEDED"
    with hub.start_run("nb", name="a worse guess", inputs={"dataset": pets["dataset"]}) as logged:
        logged.log_metric("accuracy", 0.25, ci=(0.1, 0.4), sample_size=12)
    table = hub.compare([evaluated, logged], metrics=["accuracy"])
    overall = table[table.slice.map(len) == 0]
    assert list(overall.run) == [evaluated.id, logged.id]
    assert list(overall.run_name) == [evaluated.data.name, "a worse guess"]
    baseline, worse = overall.iloc[0], overall.iloc[1]
    assert baseline.value == pytest.approx(10 / 12) and pandas.isna(baseline.delta)
    assert worse.value == 0.25 and worse.delta == pytest.approx(0.25 - 10 / 12)
    assert (worse.lower, worse.upper, worse.sample_size) == (0.1, 0.4, 12)
    # Intervals that do not overlap: the difference is significant.
    assert (worse.method, worse.significant) == ("INTERVAL_OVERLAP", True)


@pytest.mark.usefixtures("pandas")
def test_a_logged_run_is_checked_against_a_workflows_requirements(hub, pets):
    spec = {
        "inputs": [{"name": "data", "kind": "DATASET_VERSION"}],
        "steps": [{"id": "evaluate", "runner": "event-generator"}],
        "requirements": [
            {"metric": "accuracy", "op": ">=", "threshold": 0.85},
            {"metric": "ece", "op": "<=", "threshold": 0.05},
        ],
    }
    workflow = hub.define_workflow("nb", "acceptance", spec)
    assert workflow.created and hub.define_workflow("nb", "acceptance", spec).id == workflow.id
    with hub.start_run("nb", name="checked here", inputs={"dataset": pets["dataset"]}, workflow=workflow) as run:
        run.log_metric("accuracy", 0.91, ci=(0.88, 0.94))
        run.log_metric("ece", 0.08)
    verdicts = sorted((f.kind, f.title) for f in run.findings())
    assert verdicts == [
        ("REQUIREMENT_FAILED", "Requirement failed: ece 0.08, needs <= 0.05"),
        ("REQUIREMENT_PASSED", "Requirement met: accuracy >= 0.85"),
    ]
    counts = run.metrics().set_index("key").value
    assert (counts["requirements_passed"], counts["requirements_failed"]) == (1, 1)
    with pytest.raises(evalhub.ValidationError) as not_a_workflow:
        hub.start_run("nb", name="not a workflow", workflow=run.id)
    assert not_a_workflow.value.path == ["input", "workflowVersion"]
    unknown = base64.urlsafe_b64encode(f"WorkflowVersion:{uuid.uuid4()}".encode()).decode()
    with pytest.raises(evalhub.NotFoundError):
        hub.start_run("nb", name="no such workflow", workflow=unknown)


@pytest.mark.usefixtures("pandas")
def test_metrics_of_a_run_with_more_than_a_page_are_all_returned(hub):
    # The hub serves a run's metrics 500 at a time: the client pages through them all.
    with hub.start_run("nb", name="many metrics", batch_size=1000) as run:
        for i in range(1200):
            run.log_metric(f"m{i % 3}", float(i), slice={"class": f"c{i % 400:03d}"})
    metrics = run.metrics()
    assert len(metrics) == 1200
    assert sorted(metrics.value.tolist()) == [float(i) for i in range(1200)]
    assert sorted(run.metrics("m1").value.tolist()) == [float(i) for i in range(1, 1200, 3)]
