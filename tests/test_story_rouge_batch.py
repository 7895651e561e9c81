"""The batched ROUGE-1.5.5 run gives exactly the counts of one pyrouge run per pair (tilse's path)."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

pyrouge = pytest.importorskip("pyrouge")
pytest.importorskip("tilse")


def _perl_ok() -> bool:
    return shutil.which("perl") is not None and subprocess.run(
        ["perl", "-MXML::Parser", "-e", "1"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not _perl_ok(), reason="ROUGE-1.5.5 needs perl with XML::Parser")

PAIRS = [
    ([["BP", "capped", "the", "leaking", "well", "on", "July", "15", "."]],
     {"0": [["BP", "caps", "the", "well", "."], ["Oil", "stops", "flowing", "into", "the", "Gulf", "."]]}),
    ([["Mubarak", "resigned", "and", "handed", "power", "to", "the", "army", "."], ["Crowds", "celebrated", "."]],
     {"0": [["Hosni", "Mubarak", "resigns", "as", "president", "."]]}),
    ([["AT&T", "<", "1", "^", "2", "'s", "n't", "stocks", "fell", "stocks", "fell"]], {"0": [["stocks", "fell", "fell"]]}),
    ([[""]], {"0": [["An", "unmatched", "reference", "date", "."]]}),  # tilse: a reference date nobody predicted
    ([["An", "unmatched", "predicted", "date", "."]], {"0": [[""]]}),  # ... a predicted date no reference has
]


def test_batched_counts_equal_one_run_per_pair() -> None:
    from analysis.evaluation.rouge_batch import BatchRouge

    single = pyrouge.Rouge155(average="raw", stem=True, ignore_stopwords=True)
    expected = [single.score_summary(s, r) for s, r in PAIRS]
    batch = BatchRouge(workers=2, chunk=2)  # several chunks, two side by side
    assert batch.prefetch(PAIRS + PAIRS[:2]) == len(PAIRS)  # duplicates scored once
    assert batch.perl_runs == 3
    assert [batch.score_summary(s, r) for s, r in PAIRS] == expected
    assert batch.perl_runs == 3  # answered from the table
    assert expected[0]["rouge_1_h_count"] > 0 and expected[3]["rouge_1_h_count"] == 0


def test_tls_scores_with_batched_rouge_equal_tilse_original() -> None:
    from analysis.evaluation import tls

    d = dt.date
    reference = {d(2010, 4, 20): ["An oil rig exploded in the Gulf of Mexico , killing 11 workers ."],
                 d(2010, 7, 15): ["BP capped the leaking well ."],
                 d(2010, 9, 19): ["The well was declared dead ."]}
    pred = {d(2010, 4, 21): ["The rig exploded and sank in the Gulf ."],
            d(2010, 7, 15): ["BP said the cap stopped the oil ."],
            d(2010, 8, 1): ["Fishermen returned to the water ."]}
    batched = tls._evaluator("original")
    tls.prefetch(batched, [(pred, reference)])
    runs = batched.rouge.perl_runs
    got = tls.score_task(pred, reference, batched)
    assert batched.rouge.perl_runs == runs == 1  # every pair was prefetched in one run
    want = tls.score_task(pred, reference, tls._evaluator("original-per-pair"))
    assert got == want
    assert got["align_date_content_costs_many_to_one"]["rouge_1"]["f_score"] > 0
