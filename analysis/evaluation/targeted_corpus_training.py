"""Training the shallower targeted-sentiment model of corpus runs (issue 16, portrayal cost):
``python -m analysis train sentiment --corpus-model``.

The corpus backend (:mod:`analysis.articles.mention_sentiment`) spends 94 % of its scoring CPU
in the encoder, whose cost follows tokens x layers. This trains a MiniLM with only the first
``layers`` of the 6 encoder layers, the top ``tuned_layers`` of them (and the head on [CLS] +
the target marker) fine-tuned on NewsMTSC train less the dev split
(:func:`analysis.articles.targeted.split_train_dev`, seed 0: the same split the 6-layer model
was trained without), optionally distilled from the 6-layer model's probabilities
(``distill``: weight of the KL term against the teacher at ``temperature``; the rest is the
class-weighted cross-entropy on the gold labels).

Inputs are cut to ``context`` word-pieces of context per side, as corpus runs score them.
The frozen lower layers run once per item (eval mode, no dropout) and their output is kept,
so an epoch costs only the tuned layers' forward and backward. One torch thread, fixed seeds:
deterministic on one machine. Constants were chosen on the dev split only; NewsMTSC
devtest_rw is scored (``--devtest``) once per candidate, at the end.

Output: the artifact (:data:`analysis.articles.targeted.CORPUS_ARTIFACT` unless ``--out``,
float16 tuned weights, as :class:`~analysis.articles.targeted.MiniLMTargetedModel`) and one JSON
line: settings, training seconds, dev macro-F1 of the float model and of the int8 ONNX export
at the context cap (what corpus runs use), and with ``--devtest`` the same on devtest_rw.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..articles.mention_sentiment import PieceEncoder, _Export, _layer, _pad_numpy
from ..articles.targeted import (CORPUS_ARTIFACT, DEFAULT_TRAIN, LABELS, MINILM_ARTIFACT, Example, MiniLMTargetedModel,
                                 _length_batches, _minilm_network, load_newsmtsc, load_targeted_model, macro_f1,
                                 split_train_dev)

SETTINGS = {
    "seed": 0,
    "layers": 4,  # encoder layers kept (of 6)
    "tuned_layers": 3,  # the top ones fine-tuned
    "epochs": 3,
    "lr": 1e-4,
    "batch_size": 16,
    "warmup": 0.1,
    "weight_decay": 0.01,
    "context": 16,  # word-pieces of context per side in training (corpus runs score at 16)
    "distill": 0.5,  # weight of the KL term to the 6-layer model (0: gold labels only)
    "temperature": 2.0,
    "init": "pretrained",  # or "teacher": start from the 6-layer model's weights where the shapes fit
}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _encode(items: Sequence, context: int | None) -> list[tuple[list[int], int]]:
    return PieceEncoder(side=60, target=20, context_tokens=context).encode_all(items)


def _bias(mask):
    return (1.0 - mask[:, None, None, :].float()) * -1e9


def _train_layer(layer, hidden, bias, p: float):
    """One BERT encoder layer in training mode (dropout ``p`` where BertLayer has it)."""
    import torch
    import torch.nn.functional as F

    att = layer.attention.self
    b, t, h = hidden.shape
    heads = att.num_attention_heads
    q = att.query(hidden).view(b, t, heads, h // heads).transpose(1, 2)
    k = att.key(hidden).view(b, t, heads, h // heads).transpose(1, 2)
    v = att.value(hidden).view(b, t, heads, h // heads).transpose(1, 2)
    probs = F.dropout(torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / (h // heads) ** 0.5 + bias, dim=-1), p)
    ctx = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, h)
    a = layer.attention.output.LayerNorm(F.dropout(layer.attention.output.dense(ctx), p) + hidden)
    return layer.output.LayerNorm(F.dropout(layer.output.dense(layer.intermediate(a)), p) + a)


def _prefix(net, encoded, frozen: int, batch: int = 64) -> list:
    """Per item: the output of the embeddings and the ``frozen`` lower layers (eval mode)."""
    import torch

    from ..articles.targeted import _pad

    out = [None] * len(encoded)
    order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
    with torch.inference_mode():
        for i in range(0, len(order), batch):
            rows = order[i: i + batch]
            ids, mask, _ = _pad([encoded[r] for r in rows])
            hidden = net.bert.embeddings(input_ids=ids)
            bias = _bias(mask)
            for layer in net.bert.encoder.layer[:frozen]:
                hidden = _layer(layer, hidden, bias)
            for j, r in enumerate(rows):
                out[r] = hidden[j, : len(encoded[r][0])].clone()
    return out


def _teacher_proba(examples: Sequence[Example]) -> np.ndarray:
    """The 6-layer model's class probabilities (its full window, float), cached by artifact and items."""
    import hashlib

    from ..config import cache_dir

    key = hashlib.sha256(MINILM_ARTIFACT.read_bytes())
    key.update(json.dumps([ex[:3] for ex in examples]).encode())
    path = cache_dir() / "targeted" / f"teacher-{key.hexdigest()[:16]}.npy"
    if path.is_file():
        return np.load(path)
    proba = load_targeted_model(MINILM_ARTIFACT).predict_proba([ex[:3] for ex in examples])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, proba)
    return proba


def onnx_f1(model: MiniLMTargetedModel, examples: Sequence[Example], context: int | None, batch: int = 64) -> float:
    """Macro-F1 of ``model`` exported as the corpus backend's int8 ONNX graph, at ``context``
    word-pieces per side, ``batch`` items per run in length order (as ``bench_targeted.py``)."""
    import onnxruntime as ort

    from ..articles.targeted import _pad
    from ..lang.onnx_int8 import export_int8

    with tempfile.TemporaryDirectory() as tmp:
        sample = _pad([model.encode(("Smith praised the plan.", 0, 5)), model.encode(("It was a bad week for Jones.", 23, 28))])
        path = export_int8(_Export.module(model.net.eval()), sample, Path(tmp) / "m.onnx",
                           input_names=["ids", "mask", "marker"],
                           dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}, "marker": {0: "b"},
                                         "logits": {0: "b"}})
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        encoded = _encode([ex[:3] for ex in examples], context)
        order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
        pred = np.zeros(len(examples), dtype=int)
        for i in range(0, len(order), batch):
            rows = order[i: i + batch]
            pred[rows] = session.run(None, _pad_numpy([encoded[r] for r in rows]))[0].argmax(axis=1)
    return round(macro_f1([ex.label for ex in examples], pred), 4)


def float_f1(model: MiniLMTargetedModel, examples: Sequence[Example], context: int | None) -> float:
    import torch

    from ..articles.targeted import _pad

    encoded = _encode([ex[:3] for ex in examples], context)
    order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
    pred = np.zeros(len(examples), dtype=int)
    model.net.eval()
    with torch.inference_mode():
        for i in range(0, len(order), 64):
            rows = order[i: i + 64]
            pred[rows] = model.net(*_pad([encoded[r] for r in rows])).argmax(dim=1).numpy()
    return round(macro_f1([ex.label for ex in examples], pred), 4)


def train(settings: dict, train_ex: Sequence[Example], dev: Sequence[Example] = (), log=_log) -> MiniLMTargetedModel:
    """Train the shallower model; deterministic given the data, ``settings`` and the CPU (one thread)."""
    import torch
    import torch.nn.functional as F

    s = settings
    torch.manual_seed(s["seed"])
    net = _minilm_network(s["tuned_layers"], s["layers"])
    if s["init"] == "teacher":
        state = torch.load(MINILM_ARTIFACT, map_location="cpu", weights_only=True)["state"]
        own = net.state_dict()
        fit = {k: v.float() for k, v in state.items() if k in own and own[k].shape == v.shape}
        net.load_state_dict(fit, strict=False)
        log(f"corpus model: {len(fit)} tensors from the 6-layer model")
    frozen = s["layers"] - s["tuned_layers"]
    p = net.bert.config.hidden_dropout_prob
    config = {"tuned_layers": s["tuned_layers"], "layers": s["layers"], "epochs": s["epochs"], "lr": s["lr"],
              "batch_size": s["batch_size"], "max_side_tokens": s["context"], "max_target_tokens": 20,
              "distill": s["distill"], "temperature": s["temperature"], "init": s["init"]}
    encoded = _encode([ex[:3] for ex in train_ex], s["context"])
    t0 = time.perf_counter()
    cached = _prefix(net.eval(), encoded, frozen)
    log(f"corpus model: prefix of {frozen} frozen layer(s) for {len(encoded)} items in {time.perf_counter() - t0:.0f} s")
    labels = torch.tensor([ex.label for ex in train_ex])
    counts = torch.bincount(labels, minlength=len(LABELS)).float()
    weight = counts.sum() / counts / len(LABELS)
    teacher = None
    if s["distill"]:
        teacher = torch.tensor(_teacher_proba(train_ex), dtype=torch.float32)
        teacher = torch.softmax(torch.log(teacher.clamp_min(1e-8)) / s["temperature"], dim=-1)
    markers = [m for _, m in encoded]
    # Loading the teacher builds a network, which draws from torch's generator; seeding again here
    # makes dropout the same whether the teacher's probabilities came from the cache or not.
    torch.manual_seed(s["seed"])
    tuned = net.bert.encoder.layer[frozen:]
    params = [q for q in net.parameters() if q.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=s["lr"], weight_decay=s["weight_decay"])
    steps = s["epochs"] * -(-len(train_ex) // s["batch_size"])
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: min(1.0, (k + 1) / (s["warmup"] * steps)) * max(0.0, (steps - k) / steps))
    generator = torch.Generator().manual_seed(s["seed"])
    net.train()
    for epoch in range(s["epochs"]):
        t1 = time.perf_counter()
        for rows in _length_batches([len(ids) for ids, _ in encoded], s["batch_size"], generator):
            width = max(cached[r].shape[0] for r in rows)
            hidden = torch.zeros(len(rows), width, cached[rows[0]].shape[1])
            mask = torch.zeros(len(rows), width)
            for j, r in enumerate(rows):
                hidden[j, : cached[r].shape[0]] = cached[r]
                mask[j, : cached[r].shape[0]] = 1
            bias = _bias(mask)
            for layer in tuned:
                hidden = _train_layer(layer, hidden, bias, p)
            marker = torch.tensor([markers[r] for r in rows])
            pooled = torch.cat([hidden[:, 0], hidden[torch.arange(len(rows)), marker]], dim=-1)
            logits = net.head(F.dropout(pooled, p))
            loss = F.cross_entropy(logits, labels[rows], weight=weight)
            if teacher is not None:
                kl = F.kl_div(F.log_softmax(logits / s["temperature"], dim=-1), teacher[rows], reduction="batchmean")
                loss = (1 - s["distill"]) * loss + s["distill"] * s["temperature"] ** 2 * kl
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        model = MiniLMTargetedModel(net, config)
        dev_f1 = float_f1(model, dev, s["context"]) if dev else None
        net.train()
        log(f"corpus model: epoch {epoch + 1}/{s['epochs']} in {time.perf_counter() - t1:.0f} s, "
            f"last loss {loss.item():.3f}, dev F1m (float, ctx {s['context']}) {dev_f1}")
    model = MiniLMTargetedModel(net, config)
    model._round_to_stored_precision()
    return model


def main_train(argv: Sequence[str] | None = None) -> int:
    """``python -m analysis train sentiment --corpus-model [--layers 4] [--tuned-layers 3] [--epochs 3]
    [--lr 1e-4] [--distill 0] [--out PATH] [--devtest]``: prints one JSON line."""
    parser = argparse.ArgumentParser(prog="analysis train sentiment --corpus-model", description=main_train.__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_TRAIN, help="NewsMTSC train.jsonl")
    parser.add_argument("--out", type=Path, default=CORPUS_ARTIFACT)
    parser.add_argument("--devtest", action="store_true", help="also score NewsMTSC devtest_rw (the test set)")
    parser.add_argument("--limit", type=int, help="train on the first N training examples only (smoke tests)")
    parser.add_argument("--evaluate", type=Path, help="no training: score this artifact (dev; --devtest: devtest_rw too)")
    for key, value in SETTINGS.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    settings = {k: getattr(args, k) for k in SETTINGS}
    import torch

    torch.set_num_threads(1)
    train_ex, dev = split_train_dev(load_newsmtsc(args.data), settings["seed"])
    train_ex = train_ex[: args.limit] if args.limit else train_ex
    if args.evaluate:
        model = load_targeted_model(args.evaluate)
        result = {"artifact": str(args.evaluate), "config": model.config,
                  "dev": {"float_ctx16": float_f1(model, dev, 16), "onnx_int8_ctx16": onnx_f1(model, dev, 16)}}
        if args.devtest:
            test = load_newsmtsc(args.data.parent / "devtest_rw.jsonl")
            result["devtest_rw"] = {"float_ctx16": float_f1(model, test, 16), "onnx_int8_ctx16": onnx_f1(model, test, 16)}
        print(json.dumps(result), flush=True)
        return 0
    start = time.perf_counter()
    model = train(settings, train_ex, dev)
    seconds = round(time.perf_counter() - start, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    result = {"artifact": str(args.out), "settings": settings, "n_train": len(train_ex), "train_seconds": seconds,
              "dev": {"float_ctx": float_f1(model, dev, settings["context"]),
                      "onnx_int8_ctx16": onnx_f1(model, dev, 16)}}
    if args.devtest:
        test = load_newsmtsc(args.data.parent / "devtest_rw.jsonl")
        result["devtest_rw"] = {"float_ctx": float_f1(model, test, settings["context"]),
                                "onnx_int8_ctx16": onnx_f1(model, test, 16)}
    print(json.dumps(result), flush=True)
    return 0
