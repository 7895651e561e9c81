"""CoNLL reader (IOB1/IOB2), span alignment and the P/R/F1 arithmetic."""
from __future__ import annotations

import json

import pytest

from analysis.evaluation import conll

#: Two documents; the same gold entities written in IOB1 and in IOB2.
IOB1 = """\
-DOCSTART- -X- -X- O

John NNP I-NP I-PER
Smith NNP I-NP I-PER
visited VBD I-VP O
Paris NNP I-NP I-LOC
. . O O

Acme NNP I-NP I-ORG
Corp NNP I-NP I-ORG
hired VBD I-VP O
Mary NNP I-NP I-PER
Jones NNP I-NP B-PER
. . O O

-DOCSTART- -X- -X- O

German JJ I-NP I-MISC
fans NNS I-NP O
cheered VBD I-VP O
in IN I-PP O
Berlin NNP I-NP I-LOC
. . O O
"""
IOB2 = (
    IOB1.replace("John NNP I-NP I-PER", "John NNP I-NP B-PER")
    .replace("Paris NNP I-NP I-LOC", "Paris NNP I-NP B-LOC")
    .replace("Acme NNP I-NP I-ORG", "Acme NNP I-NP B-ORG")
    .replace("Mary NNP I-NP I-PER", "Mary NNP I-NP B-PER")
    .replace("German JJ I-NP I-MISC", "German JJ I-NP B-MISC")
    .replace("Berlin NNP I-NP I-LOC", "Berlin NNP I-NP B-LOC")
)
GOLD_DOC0 = {(0, 2, "PER"), (3, 4, "LOC"), (5, 7, "ORG"), (8, 9, "PER"), (9, 10, "PER")}


@pytest.mark.parametrize(("content", "scheme"), [(IOB1, "IOB1"), (IOB2, "IOB2")])
def test_reader_and_scheme(tmp_path, content: str, scheme: str) -> None:
    path = tmp_path / "tiny.conll"
    path.write_text(content, encoding="utf-8")
    docs = conll.read_conll(path)
    assert len(docs) == 2
    assert [len(s) for s in docs[0].tokens] == [5, 6]
    assert conll.detect_scheme(d.flat_tags() for d in docs) == scheme
    assert docs[0].chunks() == GOLD_DOC0
    assert docs[1].chunks() == {(0, 1, "MISC"), (4, 5, "LOC")}


def test_chunks_stop_at_sentence_end() -> None:
    doc = conll.ConllDocument([["in", "Paris"], ["Lyon", "won"]], [["O", "I-LOC"], ["I-LOC", "O"]])
    assert doc.chunks() == {(1, 2, "LOC"), (2, 3, "LOC")}
    assert conll.gold_chunks(doc.flat_tags()) == {(1, 3, "LOC")}


def test_text_and_offsets(tmp_path) -> None:
    path = tmp_path / "tiny.conll"
    path.write_text(IOB1, encoding="utf-8")
    text, starts, ends = conll.read_conll(path)[0].text_and_offsets()
    assert text == "John Smith visited Paris .\nAcme Corp hired Mary Jones ."
    assert [text[s:e] for s, e in zip(starts, ends)][5:7] == ["Acme", "Corp"]


def test_align_expands_to_whole_tokens() -> None:
    starts, ends = [0, 5, 11], [4, 10, 16]  # "John Smith visit"
    assert conll.align([(0, 10, "PER"), (6, 8, "ORG"), (10, 11, "LOC")], starts, ends) == {
        (0, 2, "PER"),
        (1, 2, "ORG"),
    }


def test_score_arithmetic() -> None:
    gold = {(0, 0, 2, "PER"), (0, 3, 4, "LOC"), (0, 5, 7, "ORG"), (1, 0, 1, "MISC")}
    # PER right, LOC with the wrong type (ORG), ORG boundary wrong, MISC right, one spurious PER
    predicted = {(0, 0, 2, "PER"), (0, 3, 4, "ORG"), (0, 5, 6, "ORG"), (1, 0, 1, "MISC"), (1, 2, 3, "PER")}
    result = conll.score(gold, predicted)
    assert result["PER"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "gold": 1, "predicted": 2, "correct": 1}
    assert result["ORG"]["precision"] == 0.0 and result["ORG"]["recall"] == 0.0 and result["ORG"]["f1"] == 0.0
    assert result["micro_PER_ORG_LOC"] == {
        "precision": 0.25, "recall": 0.3333, "f1": 0.2857, "gold": 3, "predicted": 4, "correct": 1,
    }
    assert result["micro_with_MISC"]["precision"] == 0.4
    assert result["micro_with_MISC"]["recall"] == 0.5


def test_evaluate_and_main(tmp_path, nlp, capsys) -> None:
    path = tmp_path / "tiny.conll"
    path.write_text(IOB1, encoding="utf-8")
    result = conll.evaluate_conll(path, nlp=nlp)
    assert (result["docs"], result["tokens"], result["scheme"]) == (2, 17, "IOB1")
    for system in ("bare", "document_entities"):
        assert result[system]["micro_with_MISC"]["gold"] == 7
    assert result["document_entities"]["LOC"]["correct"] == 2  # Paris, Berlin
    assert conll.main([str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["docs"] == 2
    assert conll.main([str(tmp_path / "missing.conll")]) == 2


@pytest.mark.shared
def test_conll2003_reader_counts(data_dir) -> None:
    path = data_dir / "conll2003-en-test" / "eng.testb"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    docs = conll.read_conll(path)
    gold = [c for d in docs for c in d.chunks()]
    assert len(docs) == 231
    assert sum(len(s) for d in docs for s in d.tokens) == 46435
    assert len(gold) == 5648
