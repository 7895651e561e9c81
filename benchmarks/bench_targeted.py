"""Targeted sentiment for corpus scale: float MiniLM vs the fast variants, side by side.

Usage: ``python benchmarks/bench_targeted.py [--threads 1] [--limit N] [--context 16]``

On NewsMTSC ``devtest_rw.jsonl`` (all 1,146 targets unless ``--limit``) prints per backend:
macro-F1, accuracy, label agreement with the float MiniLM, items per second (one call over all
items, after a warm-up on 64 items), and the speed-up over the float model. Threads: torch
intra-op threads (corpus workers use 1). Backends: ``minilm`` (float, the committed model as
``python -m analysis evaluate sentiment`` runs it), ``minilm-fast`` (batched tokenization only),
``minilm-int8`` (+ torch int8 dynamic quantization), ``onnx-int8`` (ONNX Runtime, int8
per-channel weights, the model's full 60-piece context window), ``onnx-int8-ctxN`` (the same
with at most ``--context`` word-pieces of context on each side: what corpus runs use,
``mention_sentiment.CONTEXT_TOKENS``), ``minilm-ctxN`` (float torch with that cap, for
reference), ``lexical``; all of these with the 6-layer model of the article reports
(``targeted_sentiment.minilm.pt``). When the shallower corpus model is committed
(``targeted_sentiment.corpus.minilm.pt``, or ``--corpus-artifact``), two more rows:
``corpus-onnx-int8-ctxN`` (what corpus runs use) and ``corpus-minilm-ctxN`` (its float model at the cap).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from analysis.config import DATA_DIR
from analysis.articles.mention_sentiment import CONTEXT_TOKENS, FastMiniLM, OnnxMiniLM
from analysis.articles.targeted import (CORPUS_ARTIFACT, LEXICAL_ARTIFACT, MINILM_ARTIFACT, load_newsmtsc, load_targeted_model,
                                       macro_f1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--context", type=int, default=CONTEXT_TOKENS,
                        help="context cap (word-pieces per side) of the -ctx rows; default: the corpus runs' cap")
    parser.add_argument("--corpus-artifact", type=Path, default=CORPUS_ARTIFACT,
                        help="the shallower corpus model (rows corpus-*; skipped when the file is missing)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    path = DATA_DIR / "newsmtsc" / "devtest_rw.jsonl"
    if not path.is_file():
        print(f"{path}: not present; nothing measured", file=sys.stderr)
        return 2
    examples = load_newsmtsc(path)
    examples = examples[: args.limit] if args.limit else examples
    items = [ex[:3] for ex in examples]
    gold = np.array([ex.label for ex in examples])
    base = load_targeted_model(MINILM_ARTIFACT)
    models = {
        "minilm": base,
        "minilm-fast": FastMiniLM(base, quantize=False),
        "minilm-int8": FastMiniLM(base, quantize=True),
        "onnx-int8": OnnxMiniLM(threads=args.threads, artifact=MINILM_ARTIFACT),
        f"onnx-int8-ctx{args.context}": OnnxMiniLM(threads=args.threads, context_tokens=args.context,
                                                   artifact=MINILM_ARTIFACT),
        f"minilm-ctx{args.context}": FastMiniLM(base, quantize=False, context_tokens=args.context),
        "lexical": load_targeted_model(LEXICAL_ARTIFACT),
    }
    if args.corpus_artifact.is_file():
        models[f"corpus-onnx-int8-ctx{args.context}"] = OnnxMiniLM(threads=args.threads, context_tokens=args.context,
                                                                   artifact=args.corpus_artifact)
        models[f"corpus-minilm-ctx{args.context}"] = FastMiniLM(load_targeted_model(args.corpus_artifact),
                                                                quantize=False, context_tokens=args.context)
    rows, ref = {}, None
    for name, model in models.items():
        model.predict_proba(items[:64])  # warm-up
        start = time.perf_counter()
        pred = model.predict_proba(items).argmax(axis=1)
        secs = time.perf_counter() - start
        ref = pred if ref is None else ref
        rows[name] = {"f1_macro": round(macro_f1(gold, pred), 4), "accuracy": round(float((gold == pred).mean()), 4),
                      "agree_with_float": round(float((pred == ref).mean()), 4), "items_per_s": round(len(items) / secs, 1),
                      "seconds": round(secs, 2)}
    for r in rows.values():
        r["speedup_vs_float"] = round(rows["minilm"]["seconds"] / r["seconds"], 2)
    print(json.dumps({"n": len(items), "threads": args.threads, "backends": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
