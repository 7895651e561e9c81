"""Tests of the NewsMTSC sentiment evaluation (analysis.evaluation.newsmtsc)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from analysis.evaluation import newsmtsc
from analysis.evaluation.newsmtsc import cut, evaluate_sentiment, metrics, tune_thresholds
from analysis.articles.targeted import LABELS, TargetedSentimentModel

# (sentence, gold polarity code, label the stub model predicts)
ROWS = [
    ("Alice is a wonderful, brilliant leader.", 2.0, "negative"),
    ("Bob is a terrible, corrupt liar.", 2.0, "neutral"),
    ("Carol met the committee on Tuesday.", 4.0, "neutral"),
    ("Dave is a wonderful, brilliant leader.", 6.0, "positive"),
    ("Erin is a terrible, corrupt liar.", 6.0, "negative"),
    ("Frank met the committee on Tuesday.", 4.0, "neutral"),
]
# Per class (tp, gold, predicted): negative (1, 2, 2) → 0.5, neutral (2, 2, 3) → 0.8,
# positive (1, 2, 1) → 2/3; macro-F1 = (0.5 + 0.8 + 2/3) / 3; accuracy 4/6.
STUB_F1 = {"negative": 0.5, "neutral": 0.8, "positive": 0.6667}
STUB_MACRO = round((0.5 + 0.8 + 2 / 3) / 3, 4)


class StubModel(TargetedSentimentModel):
    """Predicts the third column of :data:`ROWS`, keyed by sentence."""

    def predict_proba(self, items: Sequence[tuple[str, int, int]]) -> np.ndarray:
        wanted = {sentence: LABELS.index(label) for sentence, _, label in ROWS}
        return np.eye(3)[[wanted[sentence] for sentence, _, _ in items]]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    lines = []
    for i, (sentence, polarity, _) in enumerate(ROWS):
        end = sentence.index(" ")
        target = {"Input.gid": str(i), "from": 0, "to": end, "mention": sentence[:end], "polarity": polarity}
        lines.append(json.dumps({"primary_gid": str(i), "sentence_normalized": sentence, "targets": [target]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_metrics_known_values():
    gold = [0, 0, 1, 2, 2, 1]
    pred = [0, 1, 1, 2, 0, 1]
    result = metrics(gold, pred)
    assert result["f1_per_class"] == STUB_F1
    assert result["f1_macro"] == STUB_MACRO
    assert result["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    assert result["n"] == 6


def test_metrics_class_never_seen_counts_as_zero():
    assert metrics([0, 0], [0, 0])["f1_macro"] == pytest.approx(1 / 3, abs=1e-4)


def test_cut_uses_strict_thresholds():
    assert cut(np.array([-0.5, -0.05, 0.0, 0.05, 0.5]), (-0.05, 0.05)).tolist() == [0, 1, 1, 1, 2]


def test_tune_thresholds_finds_the_separating_pair():
    scores = np.array([-0.5, -0.4, 0.0, 0.05, 0.5, 0.6])
    gold = np.array([0, 0, 1, 1, 2, 2])
    low, high = tune_thresholds(scores, gold)
    assert (low, high) == (pytest.approx(-0.39), pytest.approx(0.05))
    assert metrics(gold, cut(scores, (low, high)))["f1_macro"] == 1.0


def test_evaluate_sentiment_on_tiny_file(tiny):
    result = evaluate_sentiment(tiny, model=StubModel(), thresholds={"textblob": (-0.1, 0.1), "vader": (-0.05, 0.05)})
    assert result["n"] == 6
    lenses = result["lenses"]
    assert set(lenses) == {"textblob", "vader", "vader_tuned", "targeted"}
    assert lenses["targeted"]["f1_macro"] == STUB_MACRO
    assert lenses["targeted"]["f1_per_class"] == STUB_F1
    # VADER goes by the words: wrong only on rows 0 and 4 (gold contradicts the wording),
    # so negative and positive F1 are 0.5 each and neutral 1.0.
    vader = lenses["vader"]
    assert vader["thresholds"] == [-0.05, 0.05] and vader["thresholds_from"] == "standard"
    assert vader["f1_per_class"] == {"negative": 0.5, "neutral": 1.0, "positive": 0.5}
    assert vader["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    assert lenses["textblob"]["thresholds"] == [-0.1, 0.1]


@pytest.mark.shared
def test_main_on_devtest_prints_all_lenses(data_dir, capsys):
    newsmtsc.train_thresholds.cache_clear()
    assert newsmtsc.main([str(data_dir / "newsmtsc" / "devtest_rw.jsonl")]) == 0
    result = json.loads(capsys.readouterr().out)
    lenses = result["lenses"]
    assert result["n"] == 1146
    assert lenses["textblob"]["thresholds_from"].startswith("macro-F1 grid search")
    assert 0.38 <= lenses["textblob"]["f1_macro"] <= 0.46
    assert 0.48 <= lenses["vader"]["f1_macro"] <= 0.55
    assert lenses["targeted"]["f1_macro"] > lenses["vader"]["f1_macro"] + 0.1
