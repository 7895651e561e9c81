"""Corpus-wide entity identity (analysis.identity) on constructed corpus tables and on BBC."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus.identity import INDEX_COLUMNS, SIGNALS, entity_id, resolve_identity

BBC = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bbc-news"


def _tables(rows: list[tuple], arts: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """rows: (article_id, text, label, entity, entity_label); arts: (article_id, topic, outlet, date)."""
    ents = pd.DataFrame(rows, columns=["article_id", "text", "label", "entity", "entity_label"])
    ents["start"] = range(len(ents))
    articles = pd.DataFrame(arts, columns=["article_id", "topic", "outlet", "published"])
    articles["published"] = pd.to_datetime(articles["published"])
    return ents, articles


def _id(ents: pd.DataFrame, ids: pd.Series, text: str, article: str | None = None) -> str:
    sel = ents["text"] == text
    if article:
        sel &= ents["article_id"] == article
    found = set(ids[sel])
    assert len(found) == 1, (text, found)
    return found.pop()


@pytest.fixture(scope="module")
def corpus():
    P, G, O, N = "PERSON", "GPE", "ORG", "NORP"
    rows = [
        # countries
        ("a1", "US", G, "US", G), ("a1", "United States", G, "US", G),
        ("a2", "America", G, "America", G), ("a3", "U.S.", G, "U.S.", G), ("a3", "American", N, "American", N),
        ("a4", "UK", G, "UK", G), ("a5", "Britain", G, "Britain", G), ("a5", "British", N, "British", N),
        ("a6", "United Kingdom", G, "United Kingdom", G), ("a6", "Great Britain", G, "Great Britain", G),
        ("a6", "England", G, "England", G),
        # Blair
        ("a1", "Tony Blair", P, "Tony Blair", P), ("a1", "Blair", P, "Tony Blair", P),
        ("a2", "Mr Blair", P, "Mr Blair", P), ("a2", "Labour", O, "Labour", O),
        *[(f"t{i}", t, lab, e, lab) for i in range(4) for t, lab, e in
          (("Tony Blair", P, "Tony Blair"), ("Labour", O, "Labour"), ("Gordon Brown", P, "Gordon Brown"))], ("a4", "Blair", P, "Blair", P), ("a4", "Tony Blair's", P, "Tony Blair", P),
        ("a7", "Cherie Blair", P, "Cherie Blair", P), ("a7", "Mrs Blair", P, "Mrs Blair", P),
        # two Presidents Bush and a bare Bush
        ("b1", "George W. Bush", P, "George W. Bush", P), ("b1", "Iraq", G, "Iraq", G), ("b1", "White House", O, "White House", O),
        ("b1", "Condoleezza Rice", P, "Condoleezza Rice", P),
        ("b2", "George W. Bush", P, "George W. Bush", P), ("b2", "Condoleezza Rice", P, "Condoleezza Rice", P),
        ("b2", "Iraq", G, "Iraq", G),
        ("b3", "George H. W. Bush", P, "George H. W. Bush", P), ("b3", "Gulf War", "EVENT", "Gulf War", "EVENT"),
        ("b3", "Ronald Reagan", P, "Ronald Reagan", P), ("b3", "Kuwait", G, "Kuwait", G),
        ("b4", "George H. W. Bush", P, "George H. W. Bush", P), ("b4", "Ronald Reagan", P, "Ronald Reagan", P),
        # bare Bush with 2004 politics context -> George W. Bush
        ("b5", "Bush", P, "Bush", P), ("b5", "Condoleezza Rice", P, "Condoleezza Rice", P), ("b5", "Iraq", G, "Iraq", G),
        ("b5", "White House", O, "White House", O),
        # bare Bush with no context -> stays its own, ambiguous
        ("b6", "Bush", P, "Bush", P),
        # Yukos: mostly tagged PERSON, no person evidence anywhere
        *[(f"y{i}", "Yukos", P, "Yukos", P) for i in range(8)],
        ("y8", "Yukos", O, "Yukos", O), ("y8", "Yukos Oil Company", O, "Yukos Oil Company", O),
        # Oscar / Oscars
        ("o1", "Oscar", P, "Oscar", P), ("o2", "Oscars", P, "Oscars", P), ("o3", "Oscars", "EVENT", "Oscars", "EVENT"),
        ("o4", "Oscar", "WORK_OF_ART", "Oscar", "WORK_OF_ART"),
        # an acronym the corpus spells out in two articles, bare in a third
        ("w1", "World Trade Organization", O, "World Trade Organization", O), ("w1", "WTO", O, "World Trade Organization", O),
        ("w2", "World Trade Organization", O, "World Trade Organization", O), ("w2", "WTO", O, "World Trade Organization", O),
        ("w3", "WTO", O, "WTO", O),
    ]
    arts = [(a, "politics" if a[0] in "abt" else "business", "BBC", "2004-06-01" if a != "b3" else "1991-02-01")
            for a in sorted({r[0] for r in rows})]
    ents, articles = _tables(rows, arts)
    ids, index = resolve_identity(ents, articles)
    return ents, articles, ids, index


def test_country_aliases_are_one_entity(corpus):
    ents, _, ids, index = corpus
    us = {_id(ents, ids, t) for t in ("US", "United States", "America", "U.S.")}
    uk = {_id(ents, ids, t) for t in ("UK", "Britain", "United Kingdom", "Great Britain")}
    assert len(us) == 1 and len(uk) == 1 and us != uk
    row = index.set_index("entity_id").loc[uk.pop()]
    assert row["name"] == "United Kingdom" and row["type"] == "GPE" and row["country"] == "GBR"
    assert _id(ents, ids, "England") not in uk | us


def test_demonyms_stay_apart_with_a_country_link(corpus):
    ents, _, ids, index = corpus
    by_id = index.set_index("entity_id")
    british, american = _id(ents, ids, "British"), _id(ents, ids, "American")
    assert british != _id(ents, ids, "Britain") and american != _id(ents, ids, "US")
    assert by_id.loc[british, "type"] == "NORP" and by_id.loc[british, "country"] == "GBR"
    assert by_id.loc[american, "country"] == "USA"


def test_blair_forms_are_one_person_and_mrs_blair_is_not(corpus):
    ents, _, ids, index = corpus
    tony = {_id(ents, ids, "Tony Blair"), _id(ents, ids, "Mr Blair"), _id(ents, ids, "Blair", "a4"),
            _id(ents, ids, "Tony Blair's")}
    assert len(tony) == 1
    assert index.set_index("entity_id").loc[next(iter(tony)), "name"] == "Tony Blair"
    assert _id(ents, ids, "Cherie Blair") not in tony and _id(ents, ids, "Mrs Blair") not in tony


def test_two_presidents_bush_and_a_bare_bush_by_context(corpus):
    ents, _, ids, index = corpus
    w, hw = _id(ents, ids, "George W. Bush"), _id(ents, ids, "George H. W. Bush")
    assert w != hw
    assert _id(ents, ids, "Bush", "b5") == w  # shares Rice, Iraq, White House, topic and year with W.
    lone = _id(ents, ids, "Bush", "b6")  # no co-mentioned entity: undecidable
    assert lone not in (w, hw)
    assert bool(index.set_index("entity_id").loc[lone, "ambiguous"])


def test_type_vote_repairs_a_company_tagged_person(corpus):
    ents, _, ids, index = corpus
    by_id = index.set_index("entity_id")
    assert by_id.loc[_id(ents, ids, "Yukos"), "type"] == "ORG"
    oscar = {_id(ents, ids, "Oscar"), _id(ents, ids, "Oscars")}
    assert len(oscar) == 1 and by_id.loc[oscar.pop(), "type"] != "PERSON"


def test_a_name_written_in_the_plural_is_no_person():
    """The BBC case: "Oscar" tagged PERSON in every article, "Oscars" ORG, and a stray tagger span
    "Other Oscar" that makes "Oscar" look like a surname: one entity, not a PERSON."""
    P, O = "PERSON", "ORG"
    rows = [(f"o{i}", "Oscar", P, "Oscar", P) for i in range(10)] + [(f"p{i}", "Oscars", O, "Oscars", O) for i in range(4)]
    rows += [("q1", "Other Oscar", P, "Other Oscar", P), ("q2", "Tony Blair", P, "Tony Blair", P), ("q3", "Blair", P, "Blair", P)]
    ents, articles = _tables(rows, [(a, "entertainment", "BBC", "2005-01-01") for a in sorted({r[0] for r in rows})])
    ids, index = resolve_identity(ents, articles)
    by_id = index.set_index("entity_id")
    assert _id(ents, ids, "Oscar") == _id(ents, ids, "Oscars")
    assert by_id.loc[_id(ents, ids, "Oscar"), "type"] == "ORG"
    assert by_id.loc[_id(ents, ids, "Blair"), "type"] == "PERSON"  # a surname without a plural stays a person
    no_plural, index2 = resolve_identity(ents, articles, signals=set(SIGNALS) - {"plural"})
    assert index2.set_index("entity_id").loc[_id(ents, no_plural, "Oscar"), "type"] == "PERSON"


def test_a_plural_in_ies_joins_its_singular():
    """"Tories" is the plural of "Tory" (BBC: 235 and 258 mentions, two rows before)."""
    N, P = "NORP", "PERSON"
    rows = [("t1", "Tory", N, "Tory", N), ("t2", "Tories", N, "Tories", N), ("t3", "Tories", N, "Tories", N),
            ("m1", "Emma Tory", P, "Emma Tory", P)]
    ents, articles = _tables(rows, [(a, "politics", "BBC", "2005-01-01") for a in sorted({r[0] for r in rows})])
    ids, index = resolve_identity(ents, articles)
    assert _id(ents, ids, "Tory") == _id(ents, ids, "Tories")
    assert index.set_index("entity_id").loc[_id(ents, ids, "Tory"), "mentions"] == 3
    no_plural, _ = resolve_identity(ents, articles, signals=set(SIGNALS) - {"plural"})
    assert _id(ents, no_plural, "Tory") != _id(ents, no_plural, "Tories")


def test_acronym_spelled_out_elsewhere_joins_the_name(corpus):
    ents, _, ids, _ = corpus
    assert _id(ents, ids, "WTO", "w3") == _id(ents, ids, "World Trade Organization")


def test_a_surname_in_capitals_is_no_acronym():
    """AllSides: headlines in capitals ("TRUMP ...") resolved in their article to "Donald TRUMP"
    made the acronym signal join the bare surname "trump" to Donald Trump's key; then every bare
    "Trump" (22,322 mentions) was ambiguous between that group and "Donald J. Trump" and the corpus
    had two Donald Trumps. A real acronym still joins the name it abbreviates."""
    P, O = "PERSON", "ORG"
    rows = [("h1", "TRUMP", P, "Donald TRUMP", P), ("h2", "TRUMP", P, "Donald TRUMP", P),
            ("f1", "Donald Trump", P, "Donald Trump", P), ("f3", "Donald Trump", P, "Donald Trump", P),
            ("f4", "Donald Trump", P, "Donald Trump", P), ("f2", "Trump", P, "Trump", P),
            ("w1", "World Trade Organization", O, "World Trade Organization", O), ("w2", "WTO", O, "World Trade Organization", O),
            ("w3", "WTO", O, "World Trade Organization", O), ("w4", "WTO", O, "WTO", O)]
    ents, articles = _tables(rows, [(a, "politics", "X", "2017-01-01") for a in sorted({r[0] for r in rows})])
    ids, index = resolve_identity(ents, articles)
    assert _id(ents, ids, "Trump") == _id(ents, ids, "Donald Trump")  # the bare surname goes to the one full name
    donald = index.set_index("entity_id").loc[_id(ents, ids, "Donald Trump")]
    assert donald["name"] == "Donald Trump"
    assert donald["key"] == "person:donald trump"  # not the bare name's key "name:trump" (which made the bug)
    assert _id(ents, ids, "WTO", "w4") == _id(ents, ids, "World Trade Organization", "w1")


def test_middle_names_that_agree_are_one_person_and_the_two_bushes_are_not():
    """"Barack H. Obama" and "Barack Hussein Obama" are one person, so "Barack Obama" and a bare
    "Obama" join them (AllSides had two Barack Obama rows: 16,025 and 4,188 mentions); "George W.
    Bush" and "George H. W. Bush" have different middle names and stay two."""
    P = "PERSON"
    rows = [("o1", "Barack Hussein Obama", P, "Barack Hussein Obama", P), ("o2", "Barack H. Obama", P, "Barack H. Obama", P),
            ("o3", "Barack Obama", P, "Barack Obama", P), ("o4", "Obama", P, "Obama", P),
            ("b1", "George W. Bush", P, "George W. Bush", P), ("b2", "George H. W. Bush", P, "George H. W. Bush", P),
            ("b3", "George Bush", P, "George Bush", P)]
    ents, articles = _tables(rows, [(a, "politics", "X", "2012-01-01") for a in sorted({r[0] for r in rows})])
    ids, index = resolve_identity(ents, articles)
    obama = {_id(ents, ids, t) for t in ("Barack Hussein Obama", "Barack H. Obama", "Barack Obama", "Obama")}
    assert len(obama) == 1
    assert _id(ents, ids, "George W. Bush") != _id(ents, ids, "George H. W. Bush")
    assert _id(ents, ids, "George Bush") not in {_id(ents, ids, "George W. Bush"), _id(ents, ids, "George H. W. Bush")}


def test_a_generational_suffix_is_another_person():
    """"Donald Trump Jr." was keyed "donald trump" (nameparser drops the suffix) and merged with his
    father; "Trump Jr" alone became a bare "Trump"."""
    P = "PERSON"
    rows = [("j1", "Donald Trump Jr.", P, "Donald Trump Jr.", P), ("j2", "Trump Jr", P, "Trump Jr", P),
            ("d1", "Donald Trump", P, "Donald Trump", P), ("d2", "Donald Trump", P, "Donald Trump", P),
            # BBC: "Hank Williams" and "Hank Williams Jr" are father and son
            ("h1", "Hank Williams", P, "Hank Williams", P), ("h2", "Hank Williams Jr", P, "Hank Williams Jr", P)]
    ents, articles = _tables(rows, [(a, "politics", "X", "2019-01-01") for a in sorted({r[0] for r in rows})])
    ids, _ = resolve_identity(ents, articles)
    father = _id(ents, ids, "Donald Trump")
    assert _id(ents, ids, "Donald Trump Jr.") != father
    assert _id(ents, ids, "Trump Jr") == _id(ents, ids, "Donald Trump Jr.")  # the one Trump Jr the corpus names in full
    assert _id(ents, ids, "Hank Williams") != _id(ents, ids, "Hank Williams Jr")


def test_ids_are_derived_from_keys_and_stable(corpus):
    ents, articles, ids, index = corpus
    assert list(index.columns) == INDEX_COLUMNS
    assert set(index["entity_id"]) == set(ids)
    assert all(index["entity_id"] == index["key"].map(entity_id))
    # another order of rows, a subset of articles: the same ids for the same entities
    sub = ents[ents["article_id"].isin(["a1", "a4", "a5", "a6"])].iloc[::-1]
    ids2, _ = resolve_identity(sub, articles)
    assert ids2[sub["text"] == "UK"].iloc[0] == _id(ents, ids, "UK")
    assert index["mentions"].sum() == len(ents)


def test_each_signal_can_be_switched_off(corpus):
    ents, articles, _, _ = corpus
    no_country, _ = resolve_identity(ents, articles, signals=set(SIGNALS) - {"country"})
    assert no_country[ents["text"] == "UK"].iloc[0] != no_country[ents["text"] == "Britain"].iloc[0]
    no_surname, _ = resolve_identity(ents, articles, signals=set(SIGNALS) - {"surname"})
    assert no_surname[(ents["text"] == "Blair") & (ents["article_id"] == "a4")].iloc[0] != \
        no_surname[ents["text"] == "Tony Blair"].iloc[0]
    with pytest.raises(ValueError):
        resolve_identity(ents, articles, signals={"telepathy"})


def test_spelling_variants_need_specific_shared_context():
    """A misspelt name joins the right spelling only when the two share specific co-mentioned
    entities (the BBC's "shadow home secretary David Davies", with Charles Clarke and Mark Oaten);
    sharing only entities that half the corpus names (UK, Labour) is no evidence."""
    P, G, O = "PERSON", "GPE", "ORG"
    rows = []
    for i in range(400):  # hubs: named in every article
        rows += [(f"f{i}", "UK", G, "UK", G), (f"f{i}", "Labour", O, "Labour", O)]
    for i in range(3):  # David Davis with a specific context
        rows += [(f"f{i}", "David Davis", P, "David Davis", P), (f"f{i}", "Charles Clarke", P, "Charles Clarke", P),
                 (f"f{i}", "Mark Oaten", P, "Mark Oaten", P)]
    rows += [("f3", "David Davies", P, "David Davies", P), ("f3", "Charles Clarke", P, "Charles Clarke", P),
             ("f3", "Mark Oaten", P, "Mark Oaten", P)]
    rows += [("f4", "John Smith", P, "John Smith", P), ("f5", "John Smyth", P, "John Smyth", P)]  # UK + Labour only
    ents, articles = _tables(rows, [(f"f{i}", "politics", "BBC", "2005-01-01") for i in range(400)])
    ids, _ = resolve_identity(ents, articles)
    assert _id(ents, ids, "David Davies") == _id(ents, ids, "David Davis")
    assert _id(ents, ids, "John Smith") != _id(ents, ids, "John Smyth")
    no_fuzzy, _ = resolve_identity(ents, articles, signals=set(SIGNALS) - {"fuzzy"})
    assert _id(ents, no_fuzzy, "David Davies") != _id(ents, no_fuzzy, "David Davis")


# --- BBC (shared data) -----------------------------------------------------------------------

#: Names whose articles make the BBC subset the test runs the corpus on (every article naming one).
BBC_SUBSET_NAMES = ("Yukos", "Oscar", "Cherie Blair", "Mrs Blair", "Tony Bland", "Kate Bush", "George W Bush",
                    "Serena Williams", "Robbie Williams", "Clive Owen", "Michael Owen", "Hewitt", "Ray Charles",
                    "Prince Charles", "Tate Britain", "Little Britain", "Great Britain", "United Kingdom", "Richard Eyre", "Richard Gere",
                    "David Davies", "David Davis", "Robert Preston", "Robert Peston", "John Kerry", "John Terry",
                    "David Gill", "David Hill")


@pytest.fixture(scope="session")
def bbc(tmp_path_factory):
    """The BBC corpus tables with the identity pass: from ``$ANALYSIS_BBC_CORPUS`` (a folder a full
    ``python -m analysis corpus`` run wrote) when set, else a corpus run over the articles naming
    :data:`BBC_SUBSET_NAMES` (about 200 articles)."""
    import os
    import shutil

    from analysis.corpus.readers import load_corpus
    from analysis.corpus.runner import run_corpus
    from analysis.corpus.identity import write_identity

    given = os.environ.get("ANALYSIS_BBC_CORPUS")
    out = tmp_path_factory.mktemp("bbc-identity")
    if given:
        from analysis.corpus.tables import TABLE_NAMES

        for name in TABLE_NAMES:
            shutil.copy(Path(given) / f"{name}.parquet", out / f"{name}.parquet")
        write_identity(out)
    else:
        if not BBC.is_dir():
            pytest.skip("BBC News not available in ../shared/data/bbc-news")
        files = sorted(p for p in BBC.rglob("*.txt") if any(n in p.read_text(encoding="latin-1") for n in BBC_SUBSET_NAMES))
        run_corpus(files, out, partition_size=25)
    return load_corpus(out)


def _bbc_id(tables, text: str) -> str:
    ents = tables["entities"]
    return ents.loc[ents["text"] == text, "entity_id"].value_counts().index[0]


@pytest.mark.shared
@pytest.mark.slow
def test_bbc_targets(bbc):
    by_id = bbc["entity_index"].set_index("entity_id")
    seen = set(bbc["entities"]["text"])

    def one(*texts: str) -> set[str]:
        """The most frequent id of each surface form the tagger produced (the name tagger cuts
        "Mr" off a name, so "Mr Blair" is a "Blair" mention: at least two forms must be there)."""
        present = [t for t in texts if t in seen]
        assert len(present) >= 2, (texts, present)
        return {_bbc_id(bbc, t) for t in present}

    us, uk = one("US", "United States", "America"), one("UK", "Britain", "United Kingdom", "Great Britain")
    blair = one("Tony Blair", "Blair", "Mr Blair")
    assert len(us) == 1 and len(uk) == 1 and len(blair) == 1
    assert by_id.loc[blair.pop(), "name"] == "Tony Blair"
    assert by_id.loc[_bbc_id(bbc, "Yukos"), "type"] == "ORG"


@pytest.mark.shared
@pytest.mark.slow
def test_bbc_oscar_is_one_entity_not_a_person(bbc):
    by_id = bbc["entity_index"].set_index("entity_id")
    oscar = {_bbc_id(bbc, t) for t in ("Oscar", "Oscars")}
    assert len(oscar) == 1 and by_id.loc[oscar.pop(), "type"] != "PERSON"


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("a, b, why", [
    ("Tony Blair", "Cherie Blair", "surname: both named in full"),
    ("Tony Blair", "Mrs Blair", "surname: Mrs is not the bare surname (the tagger keeps Mrs in the span)"),
    ("Tony Blair", "Tony Bland", "fuzzy: ratio 80 < 90"),
    ("Richard Gere", "Richard Eyre", "fuzzy: ratio 92 but two edits in a 4-letter surname"),
    ("George W Bush", "Kate Bush", "surname: both named in full"),
    ("Serena Williams", "Robbie Williams", "surname: both named in full"),
    ("Michael Owen", "Clive Owen", "surname: both named in full"),
    ("Lleyton Hewitt", "Patricia Hewitt", "surname: both named in full"),
    ("Ray Charles", "Prince Charles", "a royal title keeps the whole name"),
    ("John Kerry", "John Terry", "fuzzy: one edit, but no co-mentioned entity in common"),
    ("David Gill", "David Hill", "fuzzy: one edit, one shared entity (BBC) is no context"),
    ("UK", "Tate Britain", "country: 'tate' is no word of the United Kingdom's names"),
    ("UK", "Little Britain", "country: 'little' is no word of its names"),
    ("UK", "England", "country: England stays itself"),
    ("UK", "British", "demonym: linked, not merged"),
])
def test_bbc_non_merges(bbc, a, b, why):
    assert _bbc_id(bbc, a) != _bbc_id(bbc, b), why


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("variant, name, context", [
    ("David Davies", "David Davis", "'shadow home secretary David Davies' (politics/072), with Charles Clarke, Mark Oaten, the "
                                    "Prevention of Terrorism Bill: BBC's misspelling of David Davis"),
    ("Robert Preston", "Robert Peston", "'Brown's Britain by Robert Preston' (politics/099), which goes on 'Mr Peston's book'"),
])
def test_bbc_spelling_variants_with_context_merge(bbc, variant, name, context):
    """Not wrong merges: the BBC text misspells these names once, in articles that share specific
    co-mentioned entities with the right spelling's articles (analysis.corpus.identity, FUZZY_MIN_CONTEXT)."""
    assert _bbc_id(bbc, variant) == _bbc_id(bbc, name), context


def test_an_article_report_shows_corpus_names(corpus, tmp_path):
    """analysis.corpus.readers.with_corpus_names: an article's entities under their corpus canonical names."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from analysis.corpus.identity import index_schema
    from analysis.corpus.readers import with_corpus_names
    from analysis.errors import ParameterError

    ents, articles, ids, index = corpus
    ents.assign(entity_id=ids).to_parquet(tmp_path / "entities.parquet")
    articles.assign(path=[f"/data/news/{a}.txt" for a in articles["article_id"]]).to_parquet(tmp_path / "articles.parquet")
    pq.write_table(pa.Table.from_pandas(index, schema=index_schema(), preserve_index=False), tmp_path / "entity_index.parquet")
    freq = pd.DataFrame({"entity": ["Blair", "Mr Blair", "Unknown Person"]})
    got = with_corpus_names(freq, tmp_path)  # not a corpus article: the id the corpus usually gives the name
    assert list(got["corpus_name"]) == ["Tony Blair", "Tony Blair", ""]
    # a corpus article: its own rows give the ids (the bare "Bush" of b5 is George W., that of b6 undecided)
    bush = pd.DataFrame({"entity": ["Bush"]})
    assert with_corpus_names(bush, tmp_path, article_path="/data/news/b5.txt").loc[0, "corpus_name"] == "George W. Bush"
    assert with_corpus_names(bush, tmp_path, article_path="/data/news/b6.txt").loc[0, "corpus_name"] == "Bush"
    assert got.loc[0, "corpus_type"] == "PERSON" and got.loc[0, "corpus_mentions"] > 3 and got.loc[2, "corpus_mentions"] == 0
    with pytest.raises(ParameterError):
        with_corpus_names(freq, tmp_path / "missing")


@pytest.mark.shared
@pytest.mark.slow
def test_identity_pass_does_not_depend_on_the_hash_seed(bbc, tmp_path):
    """Two processes with different PYTHONHASHSEED write the same bytes: nothing in the pass may
    depend on the order a set of strings is walked in (sums over sets once flipped near-ties of
    the bare-surname scores, e.g. 'James' -> 'David James', between runs of one corpus)."""
    import os
    import subprocess
    import sys

    digests = []
    for seed in ("1", "3"):
        folder = tmp_path / seed
        folder.mkdir()
        bbc["entities"].drop(columns=["entity_id"]).to_parquet(folder / "entities.parquet", index=False)
        bbc["articles"].to_parquet(folder / "articles.parquet", index=False)
        code = "import sys; from analysis.corpus.identity import write_identity; write_identity(sys.argv[1])"
        proc = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr[-2000:]
        digests.append([(folder / f"{n}.parquet").read_bytes() for n in ("entities", "entity_index")])
    assert digests[0] == digests[1]


def test_company_base_equals_cleanco():
    """company_base skips cleanco's term loop only where no legal term can match: the same base
    as cleanco's basename."""
    from cleanco import basename

    from analysis.corpus.identity import company_base, normalize

    names = ["Yukos Oil Company", "Daddy & Sons, Ltd.", "Foo Holdings Ltd", "Acme Corp.", "ACME S.A.", "Müller GmbH & Co. KG",
             "Bank of England", "Apple Inc", "Tesco plc", "...", "Deutsche Bank AG", "BAE Systems", "Gazprom", "Holdings Ltd"]
    for name in names:
        assert company_base(name) == (normalize(basename(name)) or normalize(name)), name


def test_a_persons_name_ends_in_a_surname_the_corpus_uses():
    """The display name of a person is a full name; when the corpus also names them by one word,
    its surname must be such a word: bare "Clinton"s that no context attributes stay "Clinton"
    (AllSides sample: 54 of them were shown as "Clinton Inc." from one stray mention)."""
    from analysis.corpus.identity import _canonical_name

    assert _canonical_name([("Clinton", 54), ("Clinton Inc", 1)], "PERSON") == "Clinton"
    assert _canonical_name([("Clarke", 51), ("Charles Clarke", 30), ("Charles Clark", 1)], "PERSON") == "Charles Clarke"
    assert _canonical_name([("Rick Wagoner", 3), ("Rick Waggoner", 1)], "PERSON") == "Rick Wagoner"
    assert _canonical_name([("Yukos", 9), ("Yukos Oil", 2)], "ORG") == "Yukos"


def test_an_acronym_one_article_spells_out_joins_its_name_but_never_a_persons():
    """One article that defines "NATO" is enough for the corpus's other NATOs (AllSides sample:
    NATO was two rows, 81 and 34 mentions); an acronym is never joined to a person's name
    (BBC: one article's "DJ" resolved to "Dan Jolin" would have made every DJ him)."""
    P, O = "PERSON", "ORG"
    rows = [("n1", "North Atlantic Treaty Organization", O, "North Atlantic Treaty Organization", O),
            ("n1", "NATO", O, "North Atlantic Treaty Organization", O),
            ("n2", "NATO", O, "NATO", O), ("n3", "NATO", O, "NATO", O),
            ("d1", "Dan Jolin", P, "Dan Jolin", P), ("d1", "DJ", P, "Dan Jolin", P),
            ("d2", "DJ", O, "DJ", O), ("d3", "DJ", O, "DJ", O)]
    ents, articles = _tables(rows, [(a, "news", "X", "2017-01-01") for a in sorted({r[0] for r in rows})])
    ids, index = resolve_identity(ents, articles)
    assert _id(ents, ids, "NATO", "n2") == _id(ents, ids, "North Atlantic Treaty Organization", "n1")
    assert _id(ents, ids, "DJ", "d2") != _id(ents, ids, "Dan Jolin", "d1")


def test_the_per_name_results_kept_between_runs_change_nothing_but_are_used(tmp_path):
    """``write_identity(..., memo=)`` keeps the per-name results (nameparser, cleanco, the country
    table) beside a corpus for its next run: the same bytes with and without it, an outdated or
    truncated file is ignored (and rewritten), and a valid one is really read (a doctored entry
    shows through, which is also why the key includes the identity code)."""
    import json

    from analysis.corpus import identity

    ents, arts = _tables([("a1", "Tony Blair", "PERSON", "Tony Blair", "PERSON"), ("a2", "Blair", "PERSON", "Blair", "PERSON"),
                          ("a2", "Britain", "GPE", "Britain", "GPE"), ("a3", "Yukos Oil Company", "ORG", "Yukos Oil Company", "ORG")],
                         [("a1", "politics", None, "2005-01-01"), ("a2", "politics", None, "2005-01-02"),
                          ("a3", "business", None, "2005-01-03")])

    def run(name: str, **memo) -> list[bytes]:
        for fn in identity.MEMO_FUNCTIONS.values():
            fn.cache_clear()
        folder = tmp_path / name
        folder.mkdir()
        ents.to_parquet(folder / "entities.parquet", index=False)
        arts.to_parquet(folder / "articles.parquet", index=False)
        identity.write_identity(folder, **memo)
        return [(folder / f"{n}.parquet").read_bytes() for n in ("entities", "entity_index")]

    memo = tmp_path / "memo.json"
    plain = run("plain")
    assert run("first", memo=memo, memo_key="k1") == plain
    kept = json.loads(memo.read_text())
    assert kept["key"] == "k1" and ["Tony Blair", ["full", "tony blair", "blair"]] in kept["functions"]["person_parts"]
    assert run("second", memo=memo, memo_key="k1") == plain
    memo.write_text(memo.read_text()[:40])  # cut short
    assert run("truncated", memo=memo, memo_key="k1") == plain and json.loads(memo.read_text())["key"] == "k1"

    kept = json.loads(memo.read_text())
    kept["functions"]["person_parts"] = [[a, ["full", "anthony blair", "blair"] if a == "Tony Blair" else v]
                                        for a, v in kept["functions"]["person_parts"]]
    memo.write_text(json.dumps(kept))
    assert run("other-code", memo=memo, memo_key="k2") == plain  # written under another key: not read
    memo.write_text(json.dumps(kept))
    doctored = run("doctored", memo=memo, memo_key="k1")
    index = pd.read_parquet(tmp_path / "doctored" / "entity_index.parquet")
    assert doctored != plain and "person:anthony blair" in set(index["key"])


def test_plural_rule_names_its_singulars_and_leaves_non_plurals():
    """One rule (lang.plurals) for the identity pass and the ECB+ pair model."""
    from analysis.lang.plurals import singulars

    assert singulars("oscars") == ("oscar",)
    assert singulars("tories") == ("tory", "torie")  # the "-ies" reading first, the plain "s" after
    assert singulars("ross") == () and singulars("bus") == () and singulars("blair") == ()
