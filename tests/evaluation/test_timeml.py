"""Tests of the TempEval-3 timex scorer (analysis.evaluation.timeml)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from analysis.errors import ArticleError
from analysis.evaluation.timeml import Counts, evaluate_timeline, main, read_tml, scores

TINY_TML = """<?xml version="1.0" ?>
<TimeML>
<DOCID>tiny</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="1998-08-07" temporalFunction="false" functionInDocument="CREATION_TIME">1998-08-07</TIMEX3></DCT>
<TEXT>
AT&amp;T said <TIMEX3 tid="t1" type="DATE" value="1998-08-10">Monday</TIMEX3> that the strike lasted three <TIMEX3 tid="t2" type="DURATION" value="P3D">days</TIMEX3>.

The union met in the <TIMEX3 tid="t3" type="TIME" value="1998-08-06TAF">afternoon</TIMEX3>. Prices are high now.
</TEXT>
</TimeML>
"""


@pytest.fixture()
def tiny_tml(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.tml"
    path.write_text(TINY_TML, encoding="utf-8")
    return path


def test_read_tml_offsets_dct_and_entities(tiny_tml: Path) -> None:
    doc = read_tml(tiny_tml)
    assert doc.doc_id == "tiny"
    assert doc.dct == dt.date(1998, 8, 7)
    assert doc.text.startswith("\nAT&T said Monday")
    assert [(t.text, t.type, t.value) for t in doc.timexes] == [
        ("Monday", "DATE", "1998-08-10"), ("days", "DURATION", "P3D"), ("afternoon", "TIME", "1998-08-06TAF"),
    ]
    assert all(doc.text[t.start:t.end] == t.text for t in doc.timexes)


def test_read_tml_rejects_non_timeml(tmp_path: Path) -> None:
    path = tmp_path / "bad.tml"
    path.write_text("<TimeML><DOCID>x</DOCID></TimeML>", encoding="utf-8")
    with pytest.raises(ArticleError, match="no <TEXT>"):
        read_tml(path)


def test_scores_by_hand() -> None:
    counts = Counts()
    gold = [(0, 6, "DATE", "A"), (20, 24, "DURATION", "P3D"), (40, 49, "TIME", "T")]
    system = [(0, 6, "DATE", "B"), (14, 24, "DURATION", "P3D"), (60, 63, "DATE", "PRESENT_REF")]
    counts.add(gold, system)
    result = scores(counts)
    third, two_thirds = round(1 / 3, 4), round(2 / 3, 4)
    assert result["strict"] == {"precision": third, "recall": third, "f1": third}
    assert result["relaxed"] == {"precision": two_thirds, "recall": two_thirds, "f1": two_thirds}
    assert result["type_accuracy"] == 1.0
    assert result["value_accuracy"] == 0.5
    assert result["value_f1"] == round(2 / 3 * 0.5, 4)
    assert result["type_f1"] == two_thirds


def test_evaluate_tiny_document(tiny_tml: Path, nlp) -> None:
    # System: "Monday" (value 1998-08-03, gold says 08-10), "three days" (overlaps gold "days"),
    # "now" (no gold); gold "afternoon" is missed.
    result = evaluate_timeline([tiny_tml], nlp=nlp)
    third, two_thirds = round(1 / 3, 4), round(2 / 3, 4)
    assert result["documents"] == 1
    assert result["counts"]["system"] == 3
    assert result["strict"]["f1"] == third
    assert result["relaxed"] == {"precision": two_thirds, "recall": two_thirds, "f1": two_thirds}
    assert result["value_accuracy"] == 0.5
    assert result["type_accuracy"] == 1.0


def test_main_prints_json(tiny_tml: Path, capsys) -> None:
    assert main([str(tiny_tml)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["documents"] == 1 and out["docs_per_second"] > 0


def test_main_reports_missing_input(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path)]) == 2
    assert "no .tml files" in capsys.readouterr().err


def test_tbaq_sample_in_sane_range(data_dir: Path, nlp) -> None:
    timebank = data_dir / "tempeval3-tbaq-cleaned" / "TimeBank"
    if not timebank.is_dir():
        pytest.skip(f"{timebank} not present")
    paths = sorted(timebank.glob("*.tml"))[:8]
    result = evaluate_timeline(paths, nlp=nlp)
    assert result["documents"] == 8
    assert result["counts"]["gold"] > 0
    assert 0.75 <= result["relaxed"]["f1"] <= 1.0
    assert 0.5 <= result["value_f1"] <= result["relaxed"]["f1"]
