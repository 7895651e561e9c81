"""End to end on the shared AllSides sample: corpus run (with mention_sentiment) → portrayal table → report."""
from __future__ import annotations

import itertools

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.shared]

#: Lines of sample-300.jsonl analysed (the sample is sorted by id, so the outlets are mixed);
#: the whole sample takes about 25 minutes on a loaded 2-core machine, this part a few.
N_LINES = 24


def test_sample_corpus_portrayal_report(data_dir, tmp_path):
    from analysis.corpus import portrayal as P
    from analysis.corpus.readers import load_corpus
    from analysis.corpus.runner import run_corpus
    from analysis.io.ingest import iter_jsonl_lines

    sample = data_dir / "allsides" / "sample-300.jsonl"
    if not sample.is_file():
        pytest.skip(f"{sample} not present")
    part = tmp_path / "part.jsonl"  # a temporary excerpt, outside the project
    part.write_text("".join(line for _, line in itertools.islice(iter_jsonl_lines(sample), N_LINES)), encoding="utf-8")
    summary = run_corpus([part], tmp_path / "corpus", partition_size=6, mention_sentiment=True)
    assert summary["errors"] == 0 and summary["articles"] == N_LINES
    tables = load_corpus(tmp_path / "corpus")
    arts = tables["articles"]
    assert arts["outlet"].notna().all() and arts["bias"].isin(["left", "center", "right"]).all()
    assert arts["topic"].str.match(r"^[a-z_]+$").all()  # AllSides topic slugs, not the folder name
    ms = tables["mention_sentiment"]
    assert len(ms) > 10 * N_LINES and ms["label"].isin(["negative", "neutral", "positive"]).all()
    ents = tables["entities"]
    assert ms.merge(ents, on=["article_id", "start", "end", "entity"]).shape[0] == len(ms)  # every row is a mention
    table = P.portrayal(tables, period="year", min_n=5)
    assert (table["ci_low"] <= table["mean_score"] + 1e-9).all() and (table["mean_score"] <= table["ci_high"] + 1e-9).all()
    assert table["small"].any()
    from analysis.corpus.cli import render_portrayal_report

    html = render_portrayal_report(tmp_path / "corpus", tmp_path / "report", min_n=5, top_n=4).read_text(encoding="utf-8")
    for heading in ("Attention over time", "Portrayal by outlet", "Outlet × entity heat map", "The sentences behind the cells"):
        assert heading in html
    assert "Traceback" not in html and "cdn." not in html
