"""Where the CPU of the mention_sentiment table goes: tokenizing, padding, ONNX Runtime, Python, per operator.

Usage: ``python benchmarks/bench_portrayal_profile.py INPUT [--limit 100] [--ops 1000]``

Runs :func:`analysis.corpus.runner.analyse_partition` with ``mention_sentiment=True`` on the first
``--limit`` lines of a JSON Lines file (as ``bench_portrayal_cpu.py`` does), keeps the targets
its :class:`~analysis.articles.mention_sentiment.MentionTargets` scored, then scores them again
piece by piece, as a corpus run does (each article's targets, :data:`CORPUS_BATCH` per run, in
length order), and prints process CPU seconds of: loading the model, tokenizing
(``PieceEncoder``), padding, ``session.run``, and the whole ``predict_proba`` calls (the rest is
Python around them); the targets, real and padded tokens, the runs; and, on the first ``--ops``
targets, ONNX Runtime's own profile summed per operator type (share of kernel time).

Figures of 2 Dec 2026 (100 AllSides articles, 7,922 targets, 27.1 tokens each): tokenizing 0.85 s,
padding 0.02 s, ONNX Runtime 22.4 s, all calls 23.8 s; 233,659 padded tokens for 214,400 real
(8 %); int8 MatMuls (DynamicQuantizeMatMul, MatMulIntegerToFloat) 60 % of kernel time,
SkipLayerNormalization 11 %, float attention MatMul 7 %, Gelu 6 %, Transpose 5 %.
"""
from __future__ import annotations

import argparse
import collections
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="a .jsonl or .jsonl.gz file")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--ops", type=int, default=1000, help="targets profiled per operator (0: skip)")
    args = parser.parse_args()
    import onnxruntime as ort

    from analysis.articles import mention_sentiment as ms
    from analysis.corpus.runner import analyse_partition
    from analysis.io.ingest import iter_jsonl_lines

    if not ms.onnx_available():
        print("the MiniLM extra / onnxruntime absent; nothing measured")
        return 0
    ms.prepare_mention_model("onnx-int8")
    kept: dict = {}

    class Keep(ms.MentionTargets):  # the partition's targets, as the runner collected them
        def score(self):
            kept.update(items=list(self.items), ids=list(self.rows["article_id"]))
            return super().score()

    runner_targets = ms.MentionTargets
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.jsonl"
        lines = [line for _, line in itertools.islice(iter_jsonl_lines(args.input), args.limit) if isinstance(line, str)]
        sample.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
        ms.MentionTargets = Keep
        try:
            analyse_partition([(f"a{n}", f"{sample}:{n}") for n in range(1, len(lines) + 1)], mention_sentiment=True)
        finally:
            ms.MentionTargets = runner_targets
    items, ids = kept["items"], kept["ids"]
    cuts = [i for i in range(1, len(ids)) if ids[i] != ids[i - 1]]
    articles = list(zip([0, *cuts], [*cuts, len(ids)]))
    clock = time.process_time
    t0 = clock()
    model = ms.OnnxMiniLM(threads=1, context_tokens=ms.CONTEXT_TOKENS, batch_size=ms.CORPUS_BATCH)
    cpu = {"load": clock() - t0}
    t0 = clock()
    encoded = [model._encode_all(items[a:b]) for a, b in articles]
    cpu["tokenize"] = clock() - t0
    t0 = clock()
    feeds = []
    for enc in encoded:
        order = np.argsort([len(ids) for ids, _ in enc], kind="stable")
        feeds += [ms._pad_numpy([enc[r] for r in order[i:i + ms.CORPUS_BATCH]]) for i in range(0, len(order), ms.CORPUS_BATCH)]
    cpu["pad"] = clock() - t0
    t0 = clock()
    for feed in feeds:
        model.session.run(None, feed)
    cpu["onnx_run"] = clock() - t0
    t0 = clock()
    for a, b in articles:
        model.predict_proba(items[a:b])
    cpu["predict_proba_calls"] = clock() - t0
    result = {"articles": len(articles), "targets": len(items), "runs": len(feeds),
              "real_tokens": sum(len(ids) for enc in encoded for ids, _ in enc),
              "padded_tokens": sum(int(f["ids"].size) for f in feeds), "cpu_s": {k: round(v, 2) for k, v in cpu.items()}}
    if args.ops:
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads, options.log_severity_level = 1, 1, 3
        options.enable_profiling = True
        with tempfile.TemporaryDirectory() as tmp:
            options.profile_file_prefix = str(Path(tmp) / "ort")
            session = ort.InferenceSession(str(ms.onnx_artifact()), options, providers=["CPUExecutionProvider"])
            n = 0
            for feed in feeds:
                if n >= args.ops:
                    break
                session.run(None, feed)
                n += len(feed["marker"])
            events = json.loads(Path(session.end_profiling()).read_text())
        per_op = collections.Counter()
        for event in events:
            if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
                per_op[event["args"]["op_name"]] += event["dur"]
        total = sum(per_op.values())
        result["op_share_of_kernel_time"] = {op: round(us / total, 3) for op, us in per_op.most_common(10)}
        result["ops_targets"] = n
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
