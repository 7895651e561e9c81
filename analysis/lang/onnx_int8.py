"""A torch model as an int8 ONNX file: the one export path of the project's ONNX Runtime models.

Used by the name tagger option (:mod:`analysis.lang.minilm_tagger`) and the targeted sentiment
of every mention (:mod:`analysis.articles.mention_sentiment`); each keys its own cache file.
"""
from __future__ import annotations

import os
from pathlib import Path


def export_int8(net, sample: tuple, out: Path, *, input_names: list[str], dynamic_axes: dict,
                metadata: dict[str, str] | None = None) -> Path:
    """Export ``net`` (a ``torch.nn.Module`` taking ``sample``) to ONNX (opset 17, output
    ``logits``), quantize it dynamically to int8 (per channel) with ONNX Runtime, and write it
    to ``out`` atomically (two workers may race; the file appears whole or not at all).
    ``metadata``: key/value strings stored in the model (ONNX Runtime reads them back with
    ``session.get_modelmeta().custom_metadata_map``)."""
    import logging
    import tempfile
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(net, sample, str(fp32), input_names=input_names, output_names=["logits"],
                              opset_version=17, dynamo=False, dynamic_axes=dynamic_axes)
        # ONNX Runtime gives its "consider pre-processing" advice on every call through the root
        # logger (``logging.warning``): that also installs a stderr handler on the root logger when
        # it has none, after which every library's INFO records (Dask's scheduler and nannies in a
        # corpus run) were printed. A handler of our own for the call keeps the root untouched.
        root = logging.getLogger()
        level, guard = root.level, logging.NullHandler()
        root.setLevel(logging.ERROR)
        root.addHandler(guard)
        try:
            quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.removeHandler(guard)
            root.setLevel(level)
        if metadata:
            import onnx

            model = onnx.load(str(int8))
            onnx.helper.set_model_props(model, metadata)
            onnx.save(model, str(int8))
        os.replace(int8, out)
    return out
