"""Static (calibrated) int8 activations for the corpus targeted model: NewsMTSC macro-F1 and batch independence.

Usage: ``python benchmarks/bench_targeted_static.py [--calib 512] [--limit N] [--variants all noout noout-attn]``

The corpus backend (:class:`analysis.articles.mention_sentiment.OnnxMiniLM`) quantizes its
activations dynamically, one range per batch, so its scores depend on the batch. This script
exports the same graph (``mention_sentiment._Export``) to float ONNX and quantizes it
statically with ``onnxruntime.quantization.quantize_static`` (QDQ, weights int8 per channel,
activations uint8, MinMax ranges from ``--calib`` targets of the NewsMTSC *training split*,
never devtest), then prints per variant as JSON lines: devtest_rw macro-F1 (context capped at
``CONTEXT_TOKENS``, one call over the set in length order, batch 16), the same in groups of 40
targets, the largest probability difference between the two (0: batch-independent), the
held-out dev split's F1, and process CPU seconds of the devtest call. Variants:

* ``all``: every MatMul with a constant weight quantized, outputs too (ONNX Runtime fuses them into QLinearMatMul);
* ``noout``: their outputs stay float (MatMulIntegerToFloat);
* ``noout-attn``: also the MatMuls of two activations (softmax x values) stay float.

Figures of 2 Dec 2026 (calib 256 / 256 / 512): F1 .7373, .7607, .7633 against .7735 for the
dynamic model; batch-independent (difference 0.0); dev split .7277, .7443, .7414 (dynamic
.7445); CPU per item no lower than the dynamic model's. The issue asks for .767 at least, so
corpus runs keep the dynamic model. Exits 0 with a message when data or the MiniLM extra are absent.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calib", type=int, default=512, help="training-split targets used for the activation ranges")
    ap.add_argument("--limit", type=int, default=0, help="first N devtest targets only (0: all 1,146)")
    ap.add_argument("--variants", nargs="+", default=["all", "noout", "noout-attn"])
    args = ap.parse_args()
    from analysis.articles import mention_sentiment as ms
    from analysis.articles.targeted import (DEFAULT_TRAIN, MINILM_ARTIFACT, _pad, load_newsmtsc, load_targeted_model,
                                            macro_f1, split_train_dev)
    from analysis.config import DATA_DIR

    test_path = DATA_DIR / "newsmtsc" / "devtest_rw.jsonl"
    if not (test_path.is_file() and DEFAULT_TRAIN.is_file() and ms.onnx_available()):
        print(f"{test_path} / {DEFAULT_TRAIN} or the MiniLM extra / onnxruntime absent; nothing measured")
        return 0
    import onnx
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

    train, dev = split_train_dev(load_newsmtsc(DEFAULT_TRAIN), 0)
    test = load_newsmtsc(test_path)
    test = test[: args.limit] if args.limit else test
    encode = ms.PieceEncoder(side=60, target=20, context_tokens=ms.CONTEXT_TOKENS)
    pick = sorted(np.random.default_rng(0).choice(len(train), size=min(args.calib, len(train)), replace=False))
    calib = encode.encode_all([train[i][:3] for i in pick])

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.feeds = iter([ms._pad_numpy(calib[i:i + 16]) for i in range(0, len(calib), 16)])

        def get_next(self):
            return next(self.feeds, None)

    def proba(session, items, batch=16):
        enc = encode.encode_all(items)
        order = np.argsort([len(ids) for ids, _ in enc], kind="stable")
        out = np.zeros((len(items), 3))
        for i in range(0, len(order), batch):
            rows = order[i:i + batch]
            logits = session.run(None, ms._pad_numpy([enc[r] for r in rows]))[0]
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            out[rows] = e / e.sum(axis=1, keepdims=True)
        return out

    logging.getLogger().setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        base = load_targeted_model(MINILM_ARTIFACT)
        sample = _pad([base.encode(("Smith praised the plan.", 0, 5)), base.encode(("It was a bad week for Jones.", 23, 28))])
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(ms._Export.module(base.net.eval()), sample, str(fp32), input_names=["ids", "mask", "marker"],
                              output_names=["logits"], opset_version=17, dynamo=False,
                              dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}, "marker": {0: "b"},
                                            "logits": {0: "b"}})
        graph = onnx.load(str(fp32)).graph
        weights = {w.name for w in graph.initializer}
        attention = [n.name for n in graph.node if n.op_type == "MatMul" and not weights & set(n.input)]
        for variant in args.variants:
            extra = {"MatMulConstBOnly": True}
            if variant != "all":
                extra["OpTypesToExcludeOutputQuantization"] = ["MatMul"]
            out = Path(tmp) / f"{variant}.onnx"
            quantize_static(str(fp32), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                            calibrate_method=CalibrationMethod.MinMax, extra_options=extra,
                            nodes_to_exclude=attention if variant == "noout-attn" else None)
            options = ort.SessionOptions()
            options.intra_op_num_threads, options.inter_op_num_threads, options.log_severity_level = 1, 1, 3
            session = ort.InferenceSession(str(out), options, providers=["CPUExecutionProvider"])
            row = {"variant": variant, "calib": len(calib)}
            items, gold = [ex[:3] for ex in test], np.array([ex.label for ex in test])
            t0 = time.process_time()
            whole = proba(session, items)
            row["cpu_s"] = round(time.process_time() - t0, 2)
            groups = np.concatenate([proba(session, items[i:i + 40]) for i in range(0, len(items), 40)])
            row["devtest_f1"] = round(macro_f1(gold, whole.argmax(axis=1)), 4)
            row["devtest_f1_groups40"] = round(macro_f1(gold, groups.argmax(axis=1)), 4)
            row["max_diff_whole_vs_groups"] = float(np.abs(whole - groups).max())
            row["dev_f1"] = round(macro_f1(np.array([ex.label for ex in dev]), proba(session, [ex[:3] for ex in dev]).argmax(axis=1)), 4)
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
