"""Score sentiment lenses on NewsMTSC (target-dependent sentiment in news).

``python -m analysis evaluate sentiment FILE.jsonl`` prints, for each lens, macro-F1 over
negative/neutral/positive (the paper's F1m), accuracy, per-class F1 and n:

* ``textblob``: the sentence's TextBlob polarity, cut into three classes at thresholds
  tuned for macro-F1 on NewsMTSC ``train.jsonl`` (stated in the output);
* ``vader``: the sentence's VADER compound with the standard ±0.05 cut-offs;
* ``vader_tuned``: the same score with thresholds tuned like TextBlob's;
* ``targeted``: :mod:`analysis.articles.targeted`, which sees where the target is.

The two sentence lenses give every target in a sentence the same label.
"""
from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..articles.targeted import (DEFAULT_TRAIN, LABELS, Example, TargetedSentimentModel, default_artifact,
                        load_newsmtsc, load_targeted_model)

VADER_STANDARD = (-0.05, 0.05)
_GRID = np.round(np.arange(-0.6, 0.6001, 0.01), 2)


def metrics(gold: Sequence[int], pred: Sequence[int]) -> dict:
    """Macro-F1, accuracy, per-class F1 and n for label indices into :data:`LABELS`."""
    gold, pred = np.asarray(gold), np.asarray(pred)
    per_class = {}
    for index, label in enumerate(LABELS):
        tp = int(np.sum((gold == index) & (pred == index)))
        denominator = int(np.sum(gold == index) + np.sum(pred == index))
        per_class[label] = round(2 * tp / denominator, 4) if denominator else 0.0
    return {
        "f1_macro": round(float(np.mean(list(per_class.values()))), 4),
        "accuracy": round(float(np.mean(gold == pred)), 4) if len(gold) else 0.0,
        "f1_per_class": per_class,
        "n": int(len(gold)),
    }


def cut(scores: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    """Label indices: negative below ``thresholds[0]``, positive above ``thresholds[1]``."""
    low, high = thresholds
    return np.where(scores < low, 0, np.where(scores > high, 2, 1))


def tune_thresholds(scores: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """The ``(low, high)`` pair on a 0.01 grid in [-0.6, 0.6] with the best macro-F1.

    Ties go to the first pair in grid order, so the result is deterministic.
    """
    best, best_f1 = (0.0, 0.0), -1.0
    for low in _GRID:
        for high in _GRID[_GRID >= low]:
            f1 = metrics(gold, cut(scores, (low, high)))["f1_macro"]
            if f1 > best_f1:
                best, best_f1 = (float(low), float(high)), f1
    return best


def textblob_scores(sentences: Sequence[str]) -> np.ndarray:
    """TextBlob polarity of each sentence."""
    from textblob import TextBlob

    return _per_unique(sentences, lambda s: TextBlob(s).sentiment.polarity)


def vader_scores(sentences: Sequence[str]) -> np.ndarray:
    """VADER compound score of each sentence."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return _per_unique(sentences, lambda s: analyzer.polarity_scores(s)["compound"])


def _per_unique(sentences: Sequence[str], score: Callable[[str], float]) -> np.ndarray:
    cache = {sentence: score(sentence) for sentence in dict.fromkeys(sentences)}
    return np.array([cache[sentence] for sentence in sentences], dtype=float)


@functools.lru_cache(maxsize=2)
def train_thresholds(train_path: Path = DEFAULT_TRAIN) -> dict[str, tuple[float, float]]:
    """TextBlob and VADER thresholds tuned for macro-F1 on NewsMTSC train."""
    examples = load_newsmtsc(train_path)
    sentences = [ex.sentence for ex in examples]
    gold = np.array([ex.label for ex in examples])
    return {
        "textblob": tune_thresholds(textblob_scores(sentences), gold),
        "vader": tune_thresholds(vader_scores(sentences), gold),
    }


def _sentence_lens(scores: np.ndarray, gold: np.ndarray, thresholds: tuple[float, float], source: str) -> dict:
    return {**metrics(gold, cut(scores, thresholds)), "thresholds": list(thresholds), "thresholds_from": source}


def evaluate_sentiment(path: Path, *, model: TargetedSentimentModel | None = None,
                       thresholds: dict[str, tuple[float, float]] | None = None) -> dict:
    """Score TextBlob, VADER and the targeted model on a NewsMTSC jsonl file.

    Args:
        path: gold file in the official NewsMTSC format.
        model: the targeted model; default: :func:`analysis.articles.targeted.load_targeted_model`.
        thresholds: ``{"textblob": (low, high), "vader": (low, high)}``; default: tuned on
            NewsMTSC ``train.jsonl`` (:func:`train_thresholds`).

    Returns:
        ``{"file", "n", "lenses": {name: {f1_macro, accuracy, f1_per_class, n, ...}}}``.
    """
    examples: list[Example] = load_newsmtsc(path)
    gold = np.array([ex.label for ex in examples], dtype=int)
    sentences = [ex.sentence for ex in examples]
    source = "given" if thresholds else f"macro-F1 grid search on {DEFAULT_TRAIN.name}"
    thresholds = thresholds or train_thresholds()
    vader = vader_scores(sentences)
    artifact = "given" if model else str(default_artifact().name)
    model = model or load_targeted_model()
    targeted_pred = model.predict([ex[:3] for ex in examples])["label"].map(LABELS.index).to_numpy()
    return {
        "file": str(path),
        "n": len(examples),
        "lenses": {
            "textblob": _sentence_lens(textblob_scores(sentences), gold, thresholds["textblob"], source),
            "vader": _sentence_lens(vader, gold, VADER_STANDARD, "standard"),
            "vader_tuned": _sentence_lens(vader, gold, thresholds["vader"], source),
            "targeted": {**metrics(gold, targeted_pred), "model": type(model).__name__, "artifact": artifact},
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m analysis evaluate sentiment FILE.jsonl [--model ARTIFACT]``; prints JSON."""
    parser = argparse.ArgumentParser(prog="analysis evaluate sentiment", description=main.__doc__)
    parser.add_argument("file", type=Path, help="NewsMTSC jsonl, e.g. devtest_rw.jsonl")
    parser.add_argument("--model", type=Path, help="targeted-sentiment artifact (.joblib or .pt)")
    args = parser.parse_args(argv)
    model = load_targeted_model(args.model) if args.model else None
    result = evaluate_sentiment(args.file, model=model)
    if args.model:
        result["lenses"]["targeted"]["artifact"] = str(args.model)
    print(json.dumps(result, indent=2))
    return 0
