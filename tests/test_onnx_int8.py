"""The one ONNX export path (analysis.lang.onnx_int8) on a tiny real torch model."""
from __future__ import annotations

import logging

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from analysis.lang.onnx_int8 import export_int8  # noqa: E402


def test_export_leaves_the_root_logger_as_it_was(tmp_path):
    """ONNX Runtime's quantizer logs through the root logger; before the guard that installed a
    stderr handler on it, and a corpus run with --portrayal then printed Dask's INFO records."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    root.handlers = []  # as in a command-line run (pytest's capture handlers hide the problem)
    try:
        out = export_int8(net, (torch.randn(2, 8),), tmp_path / "tiny.int8.onnx", input_names=["x"],
                          dynamic_axes={"x": {0: "batch"}}, metadata={"purpose": "test"})
        after = list(root.handlers)
    finally:
        root.handlers = saved
    assert after == [] and root.level == level
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)
    (logits,) = session.run(None, {"x": x})
    assert logits.shape == (5, 3)
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    assert np.abs(logits - expected).max() < 0.1  # int8 weights: close, not equal
    assert session.get_modelmeta().custom_metadata_map == {"purpose": "test"}
