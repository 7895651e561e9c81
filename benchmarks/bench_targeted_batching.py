"""How the int8 corpus backend's NewsMTSC macro-F1 and CPU move with its batching.

Usage: ``python benchmarks/bench_targeted_batching.py [--batch 1 8 16 32 64] [--groups 0 40 79]``

The int8 ONNX model (:class:`analysis.articles.mention_sentiment.OnnxMiniLM`, context capped at
:data:`~analysis.articles.mention_sentiment.CONTEXT_TOKENS`) quantizes its activations with one
scale per batch, so a target's label can change with the targets batched beside it. For each
batch size, scores NewsMTSC devtest_rw (1,146 targets) in one call over the whole set (groups 0)
and in consecutive groups of N targets (like a corpus run, which scores article by article),
and prints macro-F1 and process CPU seconds per setting as JSON lines. Exits 0 with a message when
the data set or the MiniLM extra is absent.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8, 16, 32, 64])
    ap.add_argument("--groups", type=int, nargs="+", default=[0, 40, 79], help="targets per call (0: all in one call)")
    args = ap.parse_args()
    from analysis.articles.mention_sentiment import CONTEXT_TOKENS, OnnxMiniLM, onnx_available
    from analysis.articles.targeted import load_newsmtsc, macro_f1
    from analysis.config import DATA_DIR

    path = DATA_DIR / "newsmtsc" / "devtest_rw.jsonl"
    if not path.is_file() or not onnx_available():
        print(f"{path} or the MiniLM extra / onnxruntime absent; nothing measured")
        return 0
    examples = load_newsmtsc(path)
    items = [ex[:3] for ex in examples]
    gold = np.array([ex.label for ex in examples])
    for batch in args.batch:
        model = OnnxMiniLM(threads=1, context_tokens=CONTEXT_TOKENS, batch_size=batch)
        model.predict_proba(items[:16])  # warm-up
        for group in args.groups:
            t0 = time.process_time()
            size = group or len(items)
            proba = np.concatenate([model.predict_proba(items[i:i + size]) for i in range(0, len(items), size)])
            print(json.dumps({"batch": batch, "group": group, "f1_macro": round(macro_f1(gold, proba.argmax(axis=1)), 4),
                              "cpu_s": round(time.process_time() - t0, 2)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
