"""Discovery of a model's ONNX signature: the hub opens an ONNX file when it is registered,
and the client gives its inputs, outputs, opsets, IR version and producer; a file that is not
an ONNX model is refused with ModelContentError."""

from __future__ import annotations

import pytest
from conftest import node_eval

import evalhub

# A real ONNX model, written with the hub's own ONNX protobuf library.
WRITE_MODEL = """
import { writeFileSync } from 'node:fs';
import op from 'onnx-proto';
const { onnx } = op;
const value = (name, dims) => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) =>
    typeof d === 'string' ? { dimParam: d } : { dimValue: d }) } } },
});
const model = onnx.ModelProto.create({
  irVersion: 8,
  producerName: 'notebook',
  producerVersion: '1.0',
  opsetImport: [{ domain: '', version: 17 }],
  graph: {
    name: 'g',
    node: [{ opType: 'Identity', input: ['pixels'], output: ['scores'] }],
    input: [value('pixels', ['batch', 3, 32, 32])],
    output: [value('scores', ['batch', 3, 32, 32])],
  },
});
writeFileSync(process.argv[1], onnx.ModelProto.encode(model).finish());
"""


def test_a_model_versions_signature_is_discovered(hub, tmp_path):
    path = tmp_path / "net.onnx"
    node_eval(WRITE_MODEL, str(path))
    registered = hub.register_model("sig/net@v1", path)
    assert registered.format == "ONNX"
    assert registered.signature["inputs"] == [
        {"name": "pixels", "elementType": "float32", "shape": ["batch", "3", "32", "32"]}
    ]
    [found] = hub.model_versions("sig/net")
    assert found.signature == {
        "irVersion": 8,
        "producer": "notebook 1.0",
        "opsets": [{"domain": "ai.onnx", "version": 17}],
        "inputs": [{"name": "pixels", "elementType": "float32", "shape": ["batch", "3", "32", "32"]}],
        "outputs": [{"name": "scores", "elementType": "float32", "shape": ["batch", "3", "32", "32"]}],
    }
    assert hub.models(project="sig")[0].latestVersion["signature"]["outputs"][0]["name"] == "scores"


def test_a_text_file_registered_as_onnx_is_refused(hub, tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_text("not a model\n")
    with pytest.raises(evalhub.ModelContentError) as refused:
        hub.register_model("sig/notes@v1", path)
    assert refused.value.format == "ONNX" and refused.value.path == ["input", "uri"]
    assert "not an ONNX model" in str(refused.value)
    assert hub.model_versions("sig/notes") == []


def test_other_formats_have_no_signature(hub, tmp_path):
    path = tmp_path / "predictions.csv"
    path.write_text("id,label\na,cat\n")
    assert hub.register_model("sig/guesses@v1", path).signature is None
