"""Tests of the target-aware sentiment model (analysis.articles.targeted)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.articles import targeted
from analysis.articles.targeted import (LABELS, LEXICAL_ARTIFACT, MINILM_ARTIFACT, Example, evaluate_model,
                               load_newsmtsc, load_targeted_model, split_train_dev, train_targeted_model)

CONTRAST = "Smith praised the new policy, while Jones was slammed for corruption and lies."
SMITH = (CONTRAST, 0, 5)
JONES = (CONTRAST, CONTRAST.index("Jones"), CONTRAST.index("Jones") + 5)
#: Lowest devtest_rw macro-F1 accepted per artifact: measured (0.667, 0.777) less a margin.
DEVTEST_FLOOR = {LEXICAL_ARTIFACT: 0.65, MINILM_ARTIFACT: 0.75}
#: Largest difference in a probability or score accepted between a model trained here and the
#: committed artifact trained on another machine (README "Determinism"): BLAS kernels differ in the
#: last digits (1e-6 seen between OpenBLAS SkylakeX and Haswell kernels), labels never may.
CROSS_MACHINE_ATOL = 1e-4
PROBABILITIES = ["score", "p_negative", "p_neutral", "p_positive"]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _tiny_train(path: Path) -> Path:
    """A learnable toy corpus: the word next to the target decides the label."""
    rows = []
    for i in range(60):
        cue, polarity = [("praised", 6.0), ("attacked", 2.0), ("met", 4.0)][i % 3]
        sentence = f"Person{i} was {cue} by the committee on day {i}."
        rows.append({"primary_gid": str(i), "sentence_normalized": sentence,
                     "targets": [{"from": 0, "to": len(f"Person{i}"), "mention": f"Person{i}", "polarity": polarity}]})
    return _write_jsonl(path / "train.jsonl", rows)


@pytest.fixture(scope="module")
def lexical():
    return load_targeted_model(LEXICAL_ARTIFACT)


def test_predict_columns_labels_and_score(lexical):
    frame = lexical.predict([SMITH, JONES])
    assert list(frame.columns) == ["label", "score", "p_negative", "p_neutral", "p_positive"]
    assert len(frame) == 2
    assert set(frame["label"]) <= set(LABELS)
    proba = frame[["p_negative", "p_neutral", "p_positive"]].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(frame["score"], frame["p_positive"] - frame["p_negative"])
    assert frame["score"].between(-1, 1).all()
    assert list(frame["label"]) == [LABELS[i] for i in proba.argmax(axis=1)]


def test_empty_input_gives_empty_frame(lexical):
    frame = lexical.predict([])
    assert frame.empty and list(frame.columns) == ["label", "score", "p_negative", "p_neutral", "p_positive"]


def test_bad_offsets_are_rejected(lexical):
    with pytest.raises(ValueError, match="outside sentence"):
        lexical.predict([("Short.", 3, 40)])


def test_moving_the_target_flips_the_sentiment(lexical):
    frame = lexical.predict([SMITH, JONES])
    assert frame.loc[1, "label"] == "negative"
    assert frame.loc[0, "score"] > frame.loc[1, "score"] + 0.2


def test_load_is_cached():
    assert load_targeted_model(LEXICAL_ARTIFACT) is load_targeted_model(LEXICAL_ARTIFACT)


def test_missing_artifact_names_the_train_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="train sentiment"):
        load_targeted_model(tmp_path / "none.joblib")


def test_load_newsmtsc_maps_polarity_codes(tmp_path):
    path = _write_jsonl(tmp_path / "x.jsonl", [{"primary_gid": "a", "sentence_normalized": "A hit B.", "targets": [
        {"from": 0, "to": 1, "mention": "A", "polarity": 6.0}, {"from": 6, "to": 7, "mention": "B", "polarity": 2.0}]}])
    assert load_newsmtsc(path) == [Example("A hit B.", 0, 1, 2), Example("A hit B.", 6, 7, 0)]


def test_dev_split_is_by_sentence_and_deterministic():
    examples = [Example(f"s{i // 2}", 0, 1, i % 3) for i in range(400)]
    train, dev = split_train_dev(examples, seed=0)
    assert split_train_dev(examples, seed=0) == (train, dev)
    assert {e.sentence for e in train}.isdisjoint({e.sentence for e in dev})
    assert len(dev) == 2 * int(0.15 * 200)
    assert split_train_dev(examples, seed=1)[1] != dev


def test_lexical_training_is_deterministic(tmp_path):
    data = _tiny_train(tmp_path)
    first = train_targeted_model(data, out=tmp_path / "a.joblib")
    second = train_targeted_model(data, out=tmp_path / "b.joblib")
    assert first == second and first["backend"] == "lexical"
    items = [("Alice was praised by the committee on day 3.", 0, 5), ("Bob was attacked by them.", 0, 3)]
    pa = load_targeted_model(tmp_path / "a.joblib").predict(items)
    pb = load_targeted_model(tmp_path / "b.joblib").predict(items)
    pd.testing.assert_frame_equal(pa, pb, check_exact=True)  # same process, same machine: identical
    assert list(pa["label"]) == ["positive", "negative"]


def test_main_train_writes_artifact_and_prints_metrics(tmp_path, capsys):
    out = tmp_path / "m.joblib"
    assert targeted.main_train(["--data", str(_tiny_train(tmp_path)), "--out", str(out)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert out.is_file() and line["backend"] == "lexical" and line["dev"]["n"] > 0


@pytest.mark.shared
def test_committed_lexical_artifact_scores_devtest(data_dir):
    examples = load_newsmtsc(data_dir / "newsmtsc" / "devtest_rw.jsonl")
    result = evaluate_model(load_targeted_model(LEXICAL_ARTIFACT), examples)
    assert result["n"] == 1146
    assert result["f1_macro"] >= DEVTEST_FLOOR[LEXICAL_ARTIFACT]


@pytest.mark.shared
def test_lexical_retrain_reproduces_committed_predictions(data_dir, tmp_path):
    examples = load_newsmtsc(data_dir / "newsmtsc" / "devtest_rw.jsonl")[:200]
    train_targeted_model(data_dir / "newsmtsc" / "train.jsonl", out=tmp_path / "re.joblib")
    items = [e[:3] for e in examples]
    fresh = load_targeted_model(tmp_path / "re.joblib").predict(items)
    committed = load_targeted_model(LEXICAL_ARTIFACT).predict(items)
    # The artifact may come from another machine: identical labels, probabilities within a tolerance.
    assert fresh["label"].tolist() == committed["label"].tolist()
    np.testing.assert_allclose(fresh[PROBABILITIES], committed[PROBABILITIES], rtol=0, atol=CROSS_MACHINE_ATOL)


minilm = pytest.mark.skipif(not targeted.minilm_available(), reason="optional MiniLM extra not installed")


@minilm
def test_minilm_contrast_and_shapes():
    model = load_targeted_model(MINILM_ARTIFACT)
    frame = model.predict([SMITH, JONES])
    assert list(frame.columns) == ["label", "score", "p_negative", "p_neutral", "p_positive"]
    assert frame.loc[1, "label"] == "negative"
    assert frame.loc[0, "score"] > frame.loc[1, "score"] + 0.2


@minilm
def test_minilm_training_is_deterministic(tmp_path, monkeypatch):
    monkeypatch.setitem(targeted._MINILM_CONFIG, "epochs", 1)
    data = _tiny_train(tmp_path)
    train_targeted_model(data, out=tmp_path / "a.pt")
    train_targeted_model(data, out=tmp_path / "b.pt")
    items = [("Alice was praised by the committee.", 0, 5), ("Bob was attacked.", 0, 3)]
    pa = load_targeted_model(tmp_path / "a.pt").predict(items)
    pd.testing.assert_frame_equal(pa, load_targeted_model(tmp_path / "b.pt").predict(items), check_exact=True)


@minilm
@pytest.mark.shared
def test_committed_minilm_artifact_scores_devtest(data_dir):
    examples = load_newsmtsc(data_dir / "newsmtsc" / "devtest_rw.jsonl")
    result = evaluate_model(load_targeted_model(MINILM_ARTIFACT), examples)
    assert result["f1_macro"] >= DEVTEST_FLOOR[MINILM_ARTIFACT]


@minilm
def test_corpus_model_training_is_deterministic_and_shallower(tmp_path, monkeypatch):
    """The corpus model (``train sentiment --corpus-model``): first k layers, top ones tuned; same
    seed, same machine: identical weights, whether the teacher's probabilities are computed (its
    network built, which draws from torch's generator) or read from the cache; it saves and
    loads as a MiniLM artifact of k layers."""
    from analysis.evaluation.targeted_corpus_training import SETTINGS, train

    monkeypatch.setenv("ANALYSIS_CACHE_DIR", str(tmp_path / "cache"))
    examples = load_newsmtsc(_tiny_train(tmp_path))
    settings = dict(SETTINGS, epochs=1, layers=3, tuned_layers=2, distill=0.5)
    targeted._load.cache_clear()
    first = train(settings, examples, log=lambda _: None)  # computes the teacher's probabilities
    second = train(settings, examples, log=lambda _: None)  # reads them from the cache
    first.save(tmp_path / "a.pt")
    second.save(tmp_path / "b.pt")
    items = [("Alice was praised by the committee.", 0, 5), ("Bob was attacked.", 0, 3)]
    loaded = load_targeted_model(tmp_path / "a.pt")
    assert len(loaded.net.bert.encoder.layer) == 3 and loaded.config["layers"] == 3
    pd.testing.assert_frame_equal(loaded.predict(items), load_targeted_model(tmp_path / "b.pt").predict(items),
                                  check_exact=True)
