"""Targeted sentiment for every name mention of a corpus (entity x sentence), fast enough for corpus runs.

The corpus runner (:func:`analysis.corpus.analyse_partition`) hands each article's per-article
results (sentence, mention and quote columns: no second parse) to a :class:`MentionTargets`;
once per partition its targets go through the targeted-sentiment model article by article,
each article's in length order, :data:`CORPUS_BATCH` per run. The result is the corpus table ``mention_sentiment`` (:data:`COLUMNS`).

The model is :class:`OnnxMiniLM`: the corpus MiniLM artifact (:func:`corpus_artifact`: the
shallower model ``targeted_sentiment.corpus.minilm.pt``, see below; the per-article reports keep
the 6-layer ``targeted_sentiment.minilm.pt``) exported to ONNX once (cached
under ``.cache/analysis/targeted/``, the file named by the artifact and a hash of its bytes,
built from the installed weights: nothing is downloaded),
its weights quantized to int8 per output channel by ``onnxruntime.quantization`` and run by
ONNX Runtime on one thread, items sorted by length. torch's own int8 dynamic quantization lost
.02 F1 (.755 per tensor, .759 per channel), so it is not used. Without the MiniLM extra the
lexical model scores. ``benchmarks/bench_targeted.py`` measures all of them.

What makes it cheap enough for corpus runs (each measured; figures from
``benchmarks/bench_targeted.py --threads 1`` on NewsMTSC devtest_rw, 1,146 targets, and
``benchmarks/bench_portrayal_cpu.py`` / ``bench_portrayal_cost.py`` on 100 AllSides articles,
7,922 targets):

* a worker loads only the ONNX file and the tokenizer (``tokenizers``, :class:`PieceEncoder`:
  the same ids as the float model's encoder, the three text pieces of all targets in one
  batched call): 0.1 s instead of about 3 s (transformers import, torch weights) per process;
* the exported graph runs the last layer only at the two rows the head reads ([CLS] and the
  target marker; :func:`_layer`): about 15 % less work, same float outputs;
* at most :data:`CONTEXT_TOKENS` (16) word-pieces of context on each side of the target in
  corpus runs (the model's window is 60): 30 % fewer tokens on AllSides (mean 27 instead of
  38 per target), macro-F1 .775 (int8) and .769 (float torch at the same cap) against .777
  for the float model with its full window; the int8 model with the full window scores .782.

Tried and left out: ONNX Runtime's BERT operator fusion (slower with int8 weights, .763 F1),
smaller batches (no faster; int8 activations are quantized per batch, so F1 moves by about
.005 with the batch size), deduplicating (sentence, target) items (13 of 7,922 repeat). One
encoder pass for several targets of a sentence is not possible with this model: the target
markers are part of the input every layer sees. Static (calibrated) int8 activations, which
would make the scores independent of the batch and let a partition's targets be batched by
length without padding: NewsMTSC devtest_rw macro-F1 .737 (all weight-MatMul inputs and outputs
quantized), .761 (outputs float), .763 (attention MatMuls float too), ranges from NewsMTSC train,
against .7735 dynamic and the issue's floor .767, and no less CPU per target
(``benchmarks/bench_targeted_static.py``). Where the CPU goes (``benchmarks/bench_portrayal_profile.py``):
ONNX Runtime's run is 94 % of the scoring (22.4 of 23.8 s on 100 articles), tokenizing 4 %,
padding and Python little; in the run the int8 MatMuls are 60 %, so the cost follows the
tokens scored (8 % of them padding) and only fewer tokens or a smaller model lower it much
(context 12 instead of 16: about .75 F1, ``bench_targeted.py --context 12``).

The shallower corpus model (issue 16): since the cost follows tokens x layers, corpus runs score
with ``targeted_sentiment.corpus.minilm.pt``: the first 4 of MiniLM's 6 encoder layers, the top 3
of them and the head fine-tuned on NewsMTSC train (less the dev split) at the corpus runs' context
of 16 word-pieces, with half of the loss a distillation term (KL at temperature 2) to the 6-layer
model's probabilities; 3 epochs, lr 1e-4, seed 0, one thread: 218 s (262 s when the teacher's
probabilities are not cached yet; ``python -m analysis train sentiment --corpus-model``,
:mod:`analysis.evaluation.targeted_corpus_training`; a rerun gives the same bytes).
Chosen on the dev split carved from NewsMTSC train (macro-F1, int8 ONNX at context 16 / float at
context 16; the 6-layer model: .740 / .748): 4 layers .750 / .759 without distillation and
.750 / .763 with it (chosen, on the float figure; a first run of it, whose dropout depended on
the teacher cache, .754 / .761); 3 layers with distillation .730 / .738 (left out: at the edge of
.01 below the 6-layer model on dev, for a cost margin the 4 layers already give).
NewsMTSC devtest_rw, scored after the choice (int8 ONNX, context 16, batches of 64:
``benchmarks/bench_targeted.py --threads 1``, row ``corpus-onnx-int8-ctx16``): .790 for the
committed model (label agreement with the 6-layer float model .87; the other candidates: .787
without distillation, .789 the first distilled run, .773 with 3 layers) against .775 for the
6-layer model (row ``onnx-int8-ctx16``); about 1.5x the items per second of the 6-layer int8 model.

Cost: a corpus run with the table takes about 1.45x the CPU of the same run without it (100
AllSides articles, ``benchmarks/bench_portrayal_cpu.py ../shared/data/allsides/sample-300.jsonl --limit 100``,
2 Dec, load 0.7-2.7 on the 2 cores: 1.47, 1.43 and 1.39 with the committed 4-layer model, 1.43 and
1.45 with the first distilled run; 1.69 and 1.68 with the 6-layer model in the same session, 1.66-1.72 before;
2.59 before the three changes above).
"""
from __future__ import annotations

import copy
import functools
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .columns import MENTION_SENTIMENT

from .targeted import LABELS, Item, MiniLMTargetedModel, TargetedSentimentModel, load_targeted_model, minilm_available

#: Column → meaning (from :data:`MENTION_SENTIMENT`).
COLUMNS = {c.name: c.meaning for c in MENTION_SENTIMENT.columns}

#: ``python -m analysis corpus`` scores with this model: ``onnx-int8`` (default when the MiniLM
#: extra is installed), ``minilm-int8`` (torch int8: faster, less accurate), ``minilm`` (float
#: torch), ``lexical``. Environment: ``ANALYSIS_TARGETED``.
DEFAULT_BACKEND = "onnx-int8"


def mention_sentiment_schema():
    """Arrow schema of the ``mention_sentiment`` table (:data:`MENTION_SENTIMENT`)."""
    return MENTION_SENTIMENT.arrow_schema()


#: Word-pieces of left and of right context the corpus backend gives the model around each
#: target (the model was trained with up to 60). Most news sentences are longer than NewsMTSC's
#: and MiniLM's cost grows with length; at 16 the corpus run scores about 30 % fewer tokens.
#: NewsMTSC devtest_rw macro-F1 at 16: see the module docstring (``benchmarks/bench_targeted.py``).
CONTEXT_TOKENS = 16


class PieceEncoder:
    """Token ids ``[CLS] left [unused0] target [unused1] right [SEP]`` of many items at once.

    The same ids as :class:`analysis.articles.targeted._Encoder` (the MiniLM tokenizer's
    ``tokenizer.json`` run by the ``tokenizers`` library, without transformers or the torch
    weights, so a corpus worker loads it in a fraction of a second): the left context,
    target and right context of all items are tokenized in one batched call (each distinct
    string once), then cut to the window.

    Args:
        side: word-pieces of context the model takes on each side (its training window).
        target: word-pieces of the target kept.
        context_tokens: a tighter cap on each side's context (None: ``side``).
    """

    def __init__(self, *, side: int, target: int, context_tokens: int | None = None) -> None:
        from tokenizers import Tokenizer

        from ..lang.minilm import minilm_dir

        tok = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
        tok.no_truncation()  # the file asks for 128 tokens padded; the window is cut here instead
        tok.no_padding()
        self.tok = tok
        self.cls, self.sep, self.open, self.close = (tok.token_to_id(t) for t in ("[CLS]", "[SEP]", "[unused0]", "[unused1]"))
        self.side = side if context_tokens is None else max(0, min(side, context_tokens))
        self.target = target

    def encode_all(self, items: Sequence[Item]) -> list[tuple[list[int], int]]:
        """Per item: token ids and the position of the opening marker."""
        pieces: dict[str, int] = {}
        for sentence, start, end in (item[:3] for item in items):
            for text in (sentence[:start], sentence[start:end], sentence[end:]):
                pieces.setdefault(text, len(pieces))
        ids = [e.ids for e in self.tok.encode_batch(list(pieces), add_special_tokens=False)] if pieces else []
        out = []
        for sentence, start, end in (item[:3] for item in items):
            left = ids[pieces[sentence[:start]]][-self.side:] if start and self.side else []
            target = ids[pieces[sentence[start:end]]][: self.target]
            right = ids[pieces[sentence[end:]]][: self.side]
            out.append(([self.cls, *left, self.open, *target, self.close, *right, self.sep], len(left) + 1))
        return out


class FastMiniLM(TargetedSentimentModel):
    """The MiniLM targeted model made cheaper for corpus scale (same inputs, same labels mostly).

    * int8 dynamic quantization of every ``nn.Linear`` (``quantize``);
    * the left context, target and right context of all items tokenized in one batched call
      of the Rust tokenizer (duplicate strings once), giving the same ids as the base encoder;
    * items sorted by length, so batches carry little padding.

    Args:
        base: a loaded :class:`analysis.targeted.MiniLMTargetedModel`.
        quantize: int8 dynamic quantization of the linear layers.
        batch_size: items per forward pass.
        threads: torch intra-op threads while predicting (None: leave as is). Corpus workers use 1.
        context_tokens: at most this many word-pieces of left and of right context around the
            target (None: the model's own window, 60). See :data:`CONTEXT_TOKENS`.
    """

    def __init__(self, base: MiniLMTargetedModel, *, quantize: bool = True, batch_size: int = 64,
                 threads: int | None = None, context_tokens: int | None = None) -> None:
        import torch

        net = base.net
        if quantize:
            net = torch.ao.quantization.quantize_dynamic(copy.deepcopy(net), {torch.nn.Linear}, dtype=torch.qint8)
        self.net = net.eval()
        self.encode = PieceEncoder(side=base.encode.side, target=base.encode.target, context_tokens=context_tokens)
        self.batch_size = batch_size
        self.threads = threads

    def _encode_all(self, items: Sequence[Item]) -> list[tuple[list[int], int]]:
        return self.encode.encode_all(items)

    def predict_proba(self, items: Sequence[Item]) -> np.ndarray:
        import torch

        from .targeted import _pad

        encoded = self._encode_all(items)
        order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
        proba = np.zeros((len(items), len(LABELS)))
        threads = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode():
                for i in range(0, len(order), self.batch_size):
                    rows = order[i: i + self.batch_size]
                    logits = self.net(*_pad([encoded[r] for r in rows]))
                    proba[rows] = torch.softmax(logits.float(), dim=-1).numpy()
        finally:
            torch.set_num_threads(threads)
        return proba


def _layer(layer, hidden, bias, queries=None):
    """One BERT encoder layer (eval mode) with its output computed only for ``queries``
    (rows of ``hidden``; default: all): keys and values still come from every token."""
    import torch

    att = layer.attention.self
    b, t, h = hidden.shape
    heads = att.num_attention_heads
    q_in = hidden if queries is None else queries
    n = q_in.shape[1]
    q = att.query(q_in).view(b, n, heads, h // heads).transpose(1, 2)
    k = att.key(hidden).view(b, t, heads, h // heads).transpose(1, 2)
    v = att.value(hidden).view(b, t, heads, h // heads).transpose(1, 2)
    scores = torch.matmul(q, k.transpose(-1, -2)) / (h // heads) ** 0.5 + bias
    ctx = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, n, h)
    a = layer.attention.output.LayerNorm(layer.attention.output.dense(ctx) + q_in)
    return layer.output.LayerNorm(layer.output.dense(layer.intermediate(a)) + a)


class _Export:
    """The MiniLM network as ONNX can trace it, its last layer computed only where the head reads.

    The head reads the last layer at two positions, [CLS] and the opening marker; so the last
    layer's attention output and feed-forward run for those two rows only (keys and values
    from every token), about a sixth of the model's work saved with the same result (float
    outputs equal to the torch network's to 1e-5; ``tests/test_mention_sentiment.py``).
    """

    @staticmethod
    def module(net):
        import torch

        class Export(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = net

            def forward(self, ids, mask, marker):
                bert = self.net.bert
                hidden = bert.embeddings(input_ids=ids)
                bias = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * -1e9
                layers = bert.encoder.layer
                for layer in layers[:-1]:
                    hidden = _layer(layer, hidden, bias)
                idx = marker.view(-1, 1, 1).expand(-1, 1, hidden.size(-1))
                out = _layer(layers[-1], hidden, bias, torch.cat([hidden[:, :1], hidden.gather(1, idx)], dim=1))
                return self.net.head(torch.cat([out[:, 0], out[:, 1]], dim=-1))

        return Export().eval()


def corpus_artifact() -> Path:
    """The MiniLM artifact corpus runs score with: the shallower corpus model
    (:data:`analysis.articles.targeted.CORPUS_ARTIFACT`) when committed, else the 6-layer one."""
    from .targeted import CORPUS_ARTIFACT, MINILM_ARTIFACT

    return CORPUS_ARTIFACT if CORPUS_ARTIFACT.is_file() else MINILM_ARTIFACT


def onnx_artifact(artifact: Path | None = None) -> Path:
    """Path of the int8 ONNX model of a MiniLM artifact (default :func:`corpus_artifact`); built (about 20 s) when missing.

    The file name carries the artifact's name, a hash of its bytes and the onnxruntime
    version, so a retrained model, another artifact or another runtime gets its own file.
    Written atomically (two workers may race). The model carries the encoder's window
    (``max_side_tokens``, ``max_target_tokens``) as metadata, so workers need neither torch
    weights nor transformers to use it.
    """
    import hashlib

    import onnxruntime

    from ..config import cache_dir

    artifact = Path(artifact or corpus_artifact())
    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()[:16]
    stem = artifact.name.removeprefix("targeted_sentiment.").removesuffix(".pt").replace(".", "-")
    out = cache_dir() / "targeted" / f"{stem}-{digest}-ort{onnxruntime.__version__}.{_EXPORT_LAYOUT}.int8.onnx"
    if out.is_file():
        return out
    from ..lang.onnx_int8 import export_int8
    from .targeted import _pad

    base = load_targeted_model(artifact)
    sample = _pad([base.encode(("Smith praised the plan.", 0, 5)), base.encode(("It was a bad week for Jones.", 23, 28))])
    return export_int8(_Export.module(base.net.eval()), sample, out, input_names=["ids", "mask", "marker"],
                       dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}, "marker": {0: "b"},
                                     "logits": {0: "b"}},
                       metadata={"max_side_tokens": str(base.encode.side), "max_target_tokens": str(base.encode.target)})


#: Tag of the exported graph in its file name (``heads2``: last layer at [CLS] and the marker only).
_EXPORT_LAYOUT = "heads2"


class OnnxMiniLM(FastMiniLM):
    """The MiniLM targeted model as int8 ONNX (:func:`onnx_artifact`) on ONNX Runtime.

    Needs only onnxruntime and ``tokenizers`` in the process (the torch weights are read once,
    when the ONNX file is built).

    Args:
        base: unused (kept for callers that pass the loaded float model).
        batch_size: items per run, in length order.
        threads: ONNX Runtime intra-op threads (corpus workers: 1).
        context_tokens: cap on each side's context in word-pieces (None: the model's window);
            corpus runs use :data:`CONTEXT_TOKENS`.
        artifact: the MiniLM artifact exported (None: :func:`corpus_artifact`).
    """

    def __init__(self, base: MiniLMTargetedModel | None = None, *, batch_size: int = 64, threads: int | None = 1,
                 context_tokens: int | None = None, artifact: Path | None = None) -> None:
        import onnxruntime as ort

        self.batch_size = batch_size
        self.threads = threads
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_artifact(artifact)), options, providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        self.encode = PieceEncoder(side=int(meta["max_side_tokens"]), target=int(meta["max_target_tokens"]),
                                   context_tokens=context_tokens)

    def predict_proba(self, items: Sequence[Item]) -> np.ndarray:
        encoded = self._encode_all(items)
        order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
        proba = np.zeros((len(items), len(LABELS)))
        for i in range(0, len(order), self.batch_size):
            rows = order[i: i + self.batch_size]
            logits = self.session.run(None, _pad_numpy([encoded[r] for r in rows]))[0]
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            proba[rows] = e / e.sum(axis=1, keepdims=True)
        return proba


def _pad_numpy(encoded: list[tuple[list[int], int]]) -> dict[str, np.ndarray]:
    """The ONNX inputs ``ids``, ``mask``, ``marker`` of a batch, right-padded with 0 (as ``targeted._pad``)."""
    width = max(len(ids) for ids, _ in encoded)
    ids = np.zeros((len(encoded), width), dtype=np.int64)
    mask = np.zeros((len(encoded), width), dtype=np.int64)
    for row, (seq, _) in enumerate(encoded):
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    return {"ids": ids, "mask": mask, "marker": np.array([m for _, m in encoded], dtype=np.int64)}


def onnx_available() -> bool:
    import importlib.util

    return minilm_available() and all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


#: Items per ONNX run in corpus runs (each article's targets in length order). Small batches pad
#: little within one article; an article's scores depend only on the article (see
#: :meth:`MentionTargets.score`). NewsMTSC devtest_rw macro-F1 of the int8 model moves with the
#: batching (one activation scale per batch): .762-.775 over batch 1-64 and groups of 40/79 items,
#: .7735 at 16 over the whole set (``benchmarks/bench_targeted_batching.py``; ``bench_targeted.py`` uses 64: .7746).
CORPUS_BATCH = 16


@functools.lru_cache(maxsize=4)
def load_mention_model(backend: str | None = None, *, threads: int | None = None,
                       context_tokens: int | None = None) -> TargetedSentimentModel:
    """The targeted model corpus runs use (loaded once per process).

    Args:
        backend: ``onnx-int8``, ``minilm-int8``, ``minilm`` or ``lexical``; default
            ``$ANALYSIS_TARGETED`` or :data:`DEFAULT_BACKEND`; ``onnx-int8`` falls back to
            ``minilm`` without onnxruntime, the MiniLM ones to ``lexical`` without the extra.
        threads: torch threads while predicting (MiniLM backends).
        context_tokens: cap on the word-pieces of context on each side of the target (MiniLM
            backends; None: the model's window). :class:`MentionTargets` passes :data:`CONTEXT_TOKENS`.
    """
    from .targeted import LEXICAL_ARTIFACT

    backend = backend or os.environ.get("ANALYSIS_TARGETED") or DEFAULT_BACKEND
    if backend not in ("onnx-int8", "minilm-int8", "minilm", "lexical"):
        from ..errors import ParameterError

        raise ParameterError(f"targeted backend must be onnx-int8, minilm-int8, minilm or lexical, got {backend!r}")
    if backend == "onnx-int8" and not onnx_available():
        backend = "minilm"
    if backend != "lexical" and not (minilm_available() and corpus_artifact().is_file()):
        backend = "lexical"
    if backend == "lexical":
        return load_targeted_model(LEXICAL_ARTIFACT)
    if backend == "onnx-int8":
        return OnnxMiniLM(threads=threads, context_tokens=context_tokens, batch_size=CORPUS_BATCH)
    return FastMiniLM(load_targeted_model(corpus_artifact()), quantize=backend == "minilm-int8", threads=threads,
                      context_tokens=context_tokens)


class MentionTargets:
    """Collects the (entity x sentence) targets of a partition's articles, then scores them article by article.

    One row per entity per sentence: the entity's first mention in the sentence is the target.
    Mentions outside any sentence (``sent_index`` < 0) are skipped. The MiniLM backends see at
    most ``context_tokens`` word-pieces on each side of the target (:data:`CONTEXT_TOKENS`).
    """

    def __init__(self, *, backend: str | None = None, threads: int | None = 1,
                 context_tokens: int | None = CONTEXT_TOKENS) -> None:
        self.backend, self.threads, self.context_tokens = backend, threads, context_tokens
        self.rows: dict[str, list] = {c: [] for c in COLUMNS if c not in ("label", "score")}
        self.items: list[Item] = []

    def add(self, article_id: str, text: str, sents: dict, ments: dict, quotes: dict) -> None:
        """Add one article's targets from its per-article columns (``sentence_records``,
        ``mention_records``, ``quote_records`` of the corpus runner)."""
        spans = list(zip(quotes["start"], quotes["end"], quotes["speaker"]))
        seen = set()
        for start, end, entity, label, si in zip(ments["start"], ments["end"], ments["entity"],
                                                  ments["entity_label"], ments["sent_index"]):
            if si < 0 or si >= len(sents["start"]) or (si, entity) in seen:
                continue
            s0, s1 = sents["start"][si], sents["end"][si]
            if not (s0 <= start < end <= s1):
                continue
            seen.add((si, entity))
            speaker = next((sp for q0, q1, sp in spans if q0 <= start and end <= q1), None)
            for c, v in (("article_id", article_id), ("sent_index", si), ("start", start), ("end", end),
                         ("entity", entity), ("entity_label", label), ("is_quote", speaker is not None),
                         ("speaker", speaker or "")):
                self.rows[c].append(v)
            self.items.append((text[s0:s1], start - s0, end - s0))

    def __len__(self) -> int:
        return len(self.items)

    def score(self) -> dict[str, list]:
        """The ``mention_sentiment`` columns (:data:`COLUMNS`) for every target added."""
        cols = {c: list(v) for c, v in self.rows.items()}
        if self.items:
            model = load_mention_model(self.backend, threads=self.threads, context_tokens=self.context_tokens)
            # One article's targets per call. The int8 model quantizes its activations with one
            # scale per batch, so a target's score moved (up to .03) with the other articles
            # batched beside it: an incremental run, whose partitions differ from a fresh run's,
            # gave other scores. Per article, a score depends only on the article.
            ids = self.rows["article_id"]
            cuts = [i for i in range(1, len(ids)) if ids[i] != ids[i - 1]]
            proba = np.concatenate([model.predict_proba(self.items[a:b])
                                    for a, b in zip([0, *cuts], [*cuts, len(ids)])])
            cols["label"] = [LABELS[i] for i in proba.argmax(axis=1)]
            cols["score"] = (proba[:, 2] - proba[:, 0]).tolist()
        else:
            cols["label"], cols["score"] = [], []
        return {c: cols[c] for c in COLUMNS}


def prepare_mention_model(backend: str | None = None) -> str:
    """Build what the backend needs on disk (the int8 ONNX file) before workers start; returns the backend used."""
    backend = backend or os.environ.get("ANALYSIS_TARGETED") or DEFAULT_BACKEND
    if backend == "onnx-int8" and onnx_available():
        if corpus_artifact().is_file():
            onnx_artifact()
            return backend
        return "lexical"
    return backend
