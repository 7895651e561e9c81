"""Targeted sentiment for every name mention of a corpus (entity x sentence), fast enough for corpus runs.

The corpus runner (:func:`analysis.corpus.analyse_partition`) hands each article's per-article
results (sentence, mention and quote columns: no second parse) to a :class:`MentionTargets`;
once per partition all targets go through the targeted-sentiment model in one length-sorted
batch run. The result is the corpus table ``mention_sentiment`` (:data:`COLUMNS`).

The model is :class:`OnnxMiniLM`: the committed MiniLM artifact exported to ONNX once (cached
under ``.cache/analysis/targeted/``, built from the installed weights: nothing is downloaded),
its weights quantized to int8 per output channel by ``onnxruntime.quantization`` and run by
ONNX Runtime on one thread, the three text pieces of all targets tokenized in one call of
the fast tokenizer, items sorted by length. On NewsMTSC devtest_rw it scores macro-F1 .783
(float torch: .777) at 2.4x the speed. torch's own int8 dynamic quantization was 2.6x faster
but lost .02 F1 (.755 per tensor, .759 per channel), so it is not used. Without the MiniLM
extra the lexical model scores. ``benchmarks/bench_targeted.py`` measures all of them.
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
    """

    def __init__(self, base: MiniLMTargetedModel, *, quantize: bool = True, batch_size: int = 64,
                 threads: int | None = None) -> None:
        import torch

        net = base.net
        if quantize:
            net = torch.ao.quantization.quantize_dynamic(copy.deepcopy(net), {torch.nn.Linear}, dtype=torch.qint8)
        self.net = net.eval()
        self.encode = base.encode
        self.batch_size = batch_size
        self.threads = threads

    def _encode_all(self, items: Sequence[Item]) -> list[tuple[list[int], int]]:
        enc = self.encode
        pieces: dict[str, int] = {}
        for sentence, start, end in (item[:3] for item in items):
            for piece in (sentence[:start], sentence[start:end], sentence[end:]):
                pieces.setdefault(piece, len(pieces))
        texts = list(pieces)
        ids = enc.tok(texts, add_special_tokens=False, verbose=False)["input_ids"] if texts else []
        out = []
        for sentence, start, end in (item[:3] for item in items):
            left = ids[pieces[sentence[:start]]][-enc.side:] if start else []
            target = ids[pieces[sentence[start:end]]][: enc.target]
            right = ids[pieces[sentence[end:]]][: enc.side]
            seq = [enc.tok.cls_token_id, *left, enc.open, *target, enc.close, *right, enc.tok.sep_token_id]
            out.append((seq, len(left) + 1))
        return out

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


class _Export:
    """The MiniLM network as ONNX can trace it (target marker picked with ``gather``)."""

    @staticmethod
    def module(net):
        import torch

        class Export(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = net

            def forward(self, ids, mask, marker):
                hidden = self.net.bert(input_ids=ids, attention_mask=mask).last_hidden_state
                idx = marker.view(-1, 1, 1).expand(-1, 1, hidden.size(-1))
                return self.net.head(torch.cat([hidden[:, 0], hidden.gather(1, idx).squeeze(1)], dim=-1))

        return Export().eval()


def onnx_artifact() -> Path:
    """Path of the int8 ONNX model for the committed MiniLM artifact; built (about 20 s) when missing.

    The file name carries a hash of the artifact and the onnxruntime version, so a retrained
    model or another runtime gets its own file. Written atomically (two workers may race).
    """
    import hashlib

    import onnxruntime

    from ..config import cache_dir
    from .targeted import MINILM_ARTIFACT

    digest = hashlib.sha256(MINILM_ARTIFACT.read_bytes()).hexdigest()[:16]
    out = cache_dir() / "targeted" / f"minilm-{digest}-ort{onnxruntime.__version__}.int8.onnx"
    if out.is_file():
        return out
    from ..lang.onnx_int8 import export_int8
    from .targeted import _pad

    base = load_targeted_model(MINILM_ARTIFACT)
    sample = _pad([base.encode(("Smith praised the plan.", 0, 5)), base.encode(("It was a bad week for Jones.", 23, 28))])
    return export_int8(_Export.module(base.net.eval()), sample, out, input_names=["ids", "mask", "marker"],
                       dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}, "marker": {0: "b"},
                                     "logits": {0: "b"}})


class OnnxMiniLM(FastMiniLM):
    """The MiniLM targeted model as int8 ONNX (:func:`onnx_artifact`) on ONNX Runtime.

    Args:
        base: the loaded float model (its tokenizer is used).
        threads: ONNX Runtime intra-op threads (corpus workers: 1).
    """

    def __init__(self, base: MiniLMTargetedModel, *, batch_size: int = 64, threads: int | None = 1) -> None:
        import onnxruntime as ort

        self.encode = base.encode
        self.batch_size = batch_size
        self.threads = threads
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_artifact()), options, providers=["CPUExecutionProvider"])

    def predict_proba(self, items: Sequence[Item]) -> np.ndarray:
        from .targeted import _pad

        encoded = self._encode_all(items)
        order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
        proba = np.zeros((len(items), len(LABELS)))
        for i in range(0, len(order), self.batch_size):
            rows = order[i: i + self.batch_size]
            ids, mask, marker = _pad([encoded[r] for r in rows])
            logits = self.session.run(None, {"ids": ids.numpy(), "mask": mask.numpy(), "marker": marker.numpy()})[0]
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            proba[rows] = e / e.sum(axis=1, keepdims=True)
        return proba


def onnx_available() -> bool:
    import importlib.util

    return minilm_available() and all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


@functools.lru_cache(maxsize=4)
def load_mention_model(backend: str | None = None, *, threads: int | None = None) -> TargetedSentimentModel:
    """The targeted model corpus runs use (loaded once per process).

    Args:
        backend: ``onnx-int8``, ``minilm-int8``, ``minilm`` or ``lexical``; default
            ``$ANALYSIS_TARGETED`` or :data:`DEFAULT_BACKEND`; ``onnx-int8`` falls back to
            ``minilm`` without onnxruntime, the MiniLM ones to ``lexical`` without the extra.
        threads: torch threads while predicting (MiniLM backends).
    """
    from .targeted import LEXICAL_ARTIFACT, MINILM_ARTIFACT

    backend = backend or os.environ.get("ANALYSIS_TARGETED") or DEFAULT_BACKEND
    if backend not in ("onnx-int8", "minilm-int8", "minilm", "lexical"):
        from ..errors import ParameterError

        raise ParameterError(f"targeted backend must be onnx-int8, minilm-int8, minilm or lexical, got {backend!r}")
    if backend == "onnx-int8" and not onnx_available():
        backend = "minilm"
    if backend != "lexical" and not (minilm_available() and MINILM_ARTIFACT.is_file()):
        backend = "lexical"
    if backend == "lexical":
        return load_targeted_model(LEXICAL_ARTIFACT)
    base = load_targeted_model(MINILM_ARTIFACT)
    if backend == "onnx-int8":
        return OnnxMiniLM(base, threads=threads)
    return FastMiniLM(base, quantize=backend == "minilm-int8", threads=threads)


class MentionTargets:
    """Collects the (entity x sentence) targets of a partition's articles, then scores them at once.

    One row per entity per sentence: the entity's first mention in the sentence is the target.
    Mentions outside any sentence (``sent_index`` < 0) are skipped.
    """

    def __init__(self, *, backend: str | None = None, threads: int | None = 1) -> None:
        self.backend, self.threads = backend, threads
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
            proba = load_mention_model(self.backend, threads=self.threads).predict_proba(self.items)
            cols["label"] = [LABELS[i] for i in proba.argmax(axis=1)]
            cols["score"] = (proba[:, 2] - proba[:, 0]).tolist()
        else:
            cols["label"], cols["score"] = [], []
        return {c: cols[c] for c in COLUMNS}


def prepare_mention_model(backend: str | None = None) -> str:
    """Build what the backend needs on disk (the int8 ONNX file) before workers start; returns the backend used."""
    backend = backend or os.environ.get("ANALYSIS_TARGETED") or DEFAULT_BACKEND
    if backend == "onnx-int8" and onnx_available():
        from .targeted import MINILM_ARTIFACT

        if MINILM_ARTIFACT.is_file():
            onnx_artifact()
            return backend
        return "lexical"
    return backend
