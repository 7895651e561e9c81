"""Targeted sentiment for every name mention of a corpus (entity x sentence), fast enough for corpus runs.

The corpus runner (:func:`analysis.corpus.analyse_partition`) hands each article's per-article
results (sentence, mention and quote columns: no second parse) to a :class:`MentionTargets`;
once per partition all targets go through the targeted-sentiment model in one length-sorted
batch run. The result is the corpus table ``mention_sentiment`` (:data:`COLUMNS`).

The model is :class:`FastMiniLM` — the committed MiniLM artifact with its linear layers
quantized to int8 (``torch.ao.quantization.quantize_dynamic``) and the three text pieces of all
targets tokenized in one call of the fast tokenizer — or the lexical model when the MiniLM
extra is not installed. ``benchmarks/bench_targeted.py`` measures speed and NewsMTSC macro-F1
of both against the float model.
"""
from __future__ import annotations

import copy
import functools
import os
from collections.abc import Sequence

import numpy as np

from .targeted import LABELS, Item, MiniLMTargetedModel, TargetedSentimentModel, load_targeted_model, minilm_available

#: Columns of the ``mention_sentiment`` table, declared once.
COLUMNS = {
    "article_id": "article id (as in every corpus table)",
    "sent_index": "sentence index in the article (joins ``sentences``)",
    "start": "character offset of the entity's first mention in that sentence (joins ``entities``)",
    "end": "end offset of that mention",
    "entity": "canonical entity of the article (the ``entities.entity`` column)",
    "entity_label": "PERSON, ORG, GPE, ... (majority label of the entity in its article)",
    "label": "targeted sentiment towards the entity in the sentence: negative / neutral / positive",
    "score": "p_positive - p_negative, in [-1, 1]",
    "is_quote": "the mention lies inside a direct quotation",
    "speaker": "who is quoted when is_quote (the quote's speaker, '' when unattributed or not quoted)",
}

#: ``python -m analysis corpus`` scores with this model: ``minilm-int8`` (default when the
#: MiniLM extra is installed), ``minilm`` (float), ``lexical``. Environment: ``ANALYSIS_TARGETED``.
DEFAULT_BACKEND = "minilm-int8"


def mention_sentiment_schema():
    """Arrow schema of the ``mention_sentiment`` table (:data:`COLUMNS`)."""
    import pyarrow as pa

    types = {"sent_index": pa.int64(), "start": pa.int64(), "end": pa.int64(), "score": pa.float64(),
             "is_quote": pa.bool_()}
    return pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])


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


@functools.lru_cache(maxsize=4)
def load_mention_model(backend: str | None = None, *, threads: int | None = None) -> TargetedSentimentModel:
    """The targeted model corpus runs use (loaded once per process).

    Args:
        backend: ``minilm-int8``, ``minilm`` or ``lexical``; default ``$ANALYSIS_TARGETED`` or
            :data:`DEFAULT_BACKEND`, falling back to ``lexical`` without the MiniLM extra.
        threads: torch threads while predicting (MiniLM backends).
    """
    from .targeted import LEXICAL_ARTIFACT, MINILM_ARTIFACT

    backend = backend or os.environ.get("ANALYSIS_TARGETED") or DEFAULT_BACKEND
    if backend.startswith("minilm") and not (minilm_available() and MINILM_ARTIFACT.is_file()):
        backend = "lexical"
    if backend == "lexical":
        return load_targeted_model(LEXICAL_ARTIFACT)
    base = load_targeted_model(MINILM_ARTIFACT)
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
