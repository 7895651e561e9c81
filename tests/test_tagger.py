"""The name tagger (analysis.tagger): shipped weights, labels, real sentences, training data, CLI."""
from __future__ import annotations

import hashlib
import json

import pytest

from analysis.lang import tagger
from analysis.evaluation import tagger_training
from analysis.evaluation import conll
from analysis.lang.nlp import load_model, model_key

#: Labels the rest of the project reads (names for the tables, the others for the timeline).
PROJECT_LABELS = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
                  "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}

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

-DOCSTART- -X- -X- O

ZYXWV NNP I-NP I-MISC
QQQQ NNP I-NP I-MISC
won VBD I-VP O
. . O O
"""


def test_shipped_weights_load(nlp) -> None:
    assert all(path.is_file() for path in tagger.ARTIFACTS)
    assert sum(path.stat().st_size for path in tagger.ARTIFACTS) < 30 * 2**20
    # the ner reads the word vectors, which are in the pipeline's vocabulary
    assert nlp.config["components"]["ner"]["model"]["tok2vec"]["embed"]["include_static_vectors"] is True
    assert nlp.vocab.vectors.shape == (22501, 384)
    assert nlp.meta["news_tagger"] == tagger.TAGGER_VERSION
    base = load_model(tagger=False)
    assert "news_tagger" not in base.meta
    # parses cached with the base model are never read back for the tagger, and back
    assert model_key(nlp) != model_key(base) and model_key(nlp).endswith(tagger.TAGGER_VERSION)


def test_labels_are_the_projects(nlp) -> None:
    assert set(nlp.get_pipe("ner").labels) == PROJECT_LABELS


#: Labels of a name (PER/ORG/LOC in CoNLL's terms).
NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC"}


@pytest.mark.parametrize(("text", "expected", "names"), [
    # "Yukos" and a sentence-initial "Chelsea" are found as names, but their type in one sentence
    # is a coin toss for the tagger (BBC: "Yukos" PERSON in 179 of 199 mentions, "Chelsea" in 172 of
    # 208; the session-14 weights type these two sentences PERSON, those of sessions 10-13 ORG);
    # the corpus type vote makes them ORG in the corpus tables (Yukos: tests/test_identity.py::test_bbc_targets)
    ("Russian oil firm Yukos has filed for bankruptcy protection in a US court in Houston.",
     {("Houston", "GPE")}, {"Yukos"}),
    ("Tony Blair met Gerhard Schroeder in Berlin on Monday to discuss the EU budget.",
     {("Tony Blair", "PERSON"), ("Gerhard Schroeder", "PERSON"), ("Berlin", "GPE"), ("Monday", "DATE")}, set()),
    ("Chelsea beat Arsenal 2-1 at Stamford Bridge, said manager Jose Mourinho.",
     {("Arsenal", "ORG"), ("Jose Mourinho", "PERSON")}, {"Chelsea"}),
])
def test_real_sentences(nlp, text: str, expected: set, names: set) -> None:
    found = {(e.text, e.label_) for e in nlp(text).ents}
    assert expected <= found, found
    assert names <= {name for name, label in found if label in NAME_LABELS}, found


def test_training_examples_use_project_labels(tmp_path) -> None:
    path = tmp_path / "tiny.conll"
    path.write_text(TINY, encoding="utf-8")
    base = load_model(tagger=False)
    examples = tagger_training.conll_examples(path, base)
    assert len(examples) == 2
    ref = examples[0].reference
    ents = {(e.text, e.label_) for e in ref.ents}
    assert {("Tony Blair", "PERSON"), ("Berlin", "GPE"), ("Siemens", "ORG")} <= ents
    assert ("Monday", "DATE") in ents  # the base model's DATE is kept as silver annotation
    assert {label for _, label in ents} <= PROJECT_LABELS
    # a MISC name the base model gives no MISC-like label stays unannotated (no gradient)
    unknown = examples[1].reference
    assert [t.ent_iob_ for t in unknown[:2]] == ["", ""]


def test_train_writes_loadable_weights(tmp_path) -> None:
    path = tmp_path / "tiny.conll"
    path.write_text(TINY, encoding="utf-8")
    out = tmp_path / "ner.bin"
    summary = tagger_training.train([path], out=out, epochs=1, log=lambda _: None)
    vectors = tagger_training.vectors_path(out)
    assert out.is_file() and summary["bytes"] == out.stat().st_size
    assert vectors == tmp_path / "ner_vectors.bin" and summary["vectors_bytes"] == vectors.stat().st_size
    pipeline = tagger.apply(load_model.__wrapped__(None, tagger=False), out, vectors)
    again = tagger_training.train([path], out=tmp_path / "again.bin", epochs=1, log=lambda _: None)
    assert (again["sha256"], again["vectors_sha256"]) == (summary["sha256"], summary["vectors_sha256"])  # deterministic
    assert pipeline.meta["news_tagger"] == tagger.TAGGER_VERSION
    assert {e.label_ for e in pipeline("Tony Blair visited Berlin.").ents} <= PROJECT_LABELS


def _articles(path, rows) -> None:
    path.write_text("".join(json.dumps({"outlet": o, "title": f" {t} ", "text": x}) + "\n" for o, t, x in rows),
                    encoding="utf-8")


def test_silver_texts_take_each_outlets_slice_and_cut_at_a_line(tmp_path) -> None:
    path = tmp_path / "articles.jsonl"
    long_body = "Tony Blair spoke to reporters.\n" + "x" * 30 + "\nNever read."
    _articles(path, [("A", "a0", "first"), ("B", "b0", "b first"), ("A", "a1", long_body), ("A", "a2", "third"),
                     ("B", "b1", "b second"), ("A", "a3", "fourth")])
    texts = tagger_training.silver_texts(path, per_outlet=2, skip=1, chars=40)
    # articles 1 and 2 of outlet A, article 1 of B, in file order; titles stripped; cut at the last
    # line break before 40 characters
    assert texts == ["a1\n\nTony Blair spoke to reporters.", "a2\n\nthird", "b1\n\nb second"]


def test_silver_examples_carry_the_teachers_entities_line_by_line(nlp) -> None:
    base = load_model(tagger=False)
    texts = ["Blair in Berlin\n\nTony Blair met Gerhard Schroeder in Berlin on Monday.\nSiemens said nothing."]
    examples = tagger_training.silver_examples(texts, base, nlp)
    taught = {(e.text, e.label_) for e in nlp(texts[0]).ents}
    assert [ex.reference.text for ex in examples] == [line for line in texts[0].split("\n") if line]
    learned = {(e.text, e.label_) for ex in examples for e in ex.reference.ents}
    assert learned == taught and ("Monday", "DATE") in learned  # names and the timeline's labels
    assert all(t.ent_iob_ in ("B", "I", "O") for ex in examples for t in ex.reference)  # nothing left unannotated


def test_silver_leaves_names_the_teacher_could_not_type_unannotated() -> None:
    from spacy.language import Language

    from analysis.lang.minilm_tagger import UNTYPED_NAMES

    @Language.component("test_untyped_oscar")
    def untyped_oscar(doc):
        doc.spans[UNTYPED_NAMES] = [doc[i:i + 1] for i, t in enumerate(doc) if t.text == "Oscar"]
        return doc

    teacher = load_model.__wrapped__(None, tagger=False)
    teacher.add_pipe("test_untyped_oscar", last=True)
    base = load_model(tagger=False)
    (example,) = tagger_training.silver_examples(["The Oscar went to Clint Eastwood."], base, teacher)
    iob = {t.text: t.ent_iob_ for t in example.reference}
    assert iob["Oscar"] == "" and iob["went"] == "O" and iob["Clint"] == "B"  # missing, not "not a name"


def test_train_cli_reports_missing_silver_file(tmp_path, capsys) -> None:
    path = tmp_path / "tiny.conll"
    path.write_text(TINY, encoding="utf-8")
    code = tagger_training.main_train(["--train", str(path), "--silver", str(tmp_path / "none.jsonl.gz"),
                                       "--out", str(tmp_path / "x.bin")])
    assert code == 2 and "none.jsonl.gz: no such file" in capsys.readouterr().err
    assert not (tmp_path / "x.bin").exists()


def test_train_with_silver_from_the_minilm_option(tmp_path) -> None:
    """The whole silver route on a tiny scale: the option over the shipped ner labels two
    articles, and the training reads them beside the CoNLL pieces."""
    pytest.importorskip("onnxruntime")
    conll_file = tmp_path / "tiny.conll"
    conll_file.write_text(TINY, encoding="utf-8")
    silver = tmp_path / "articles.jsonl"
    _articles(silver, [("A", "Yukos files for bankruptcy", "Russian oil firm Yukos filed in Houston on Monday."),
                       ("B", "Blair in Berlin", "Tony Blair met Gerhard Schroeder in Berlin.")])
    lines = []
    summary = tagger_training.train([conll_file], out=tmp_path / "ner.bin", epochs=1, silver=silver,
                                    silver_slice={"per_outlet": 1, "skip": 0, "chars": 2000},
                                    teacher=tagger.ARTIFACT, log=lines.append)
    assert any(line.startswith("2 silver articles") and "4 lines" in line for line in lines), lines
    assert summary["settings"]["silver"]["file"] == "articles.jsonl"
    assert summary["settings"]["silver"]["teacher_sha256"] == hashlib.sha256(tagger.ARTIFACT.read_bytes()).hexdigest()


def test_missing_artifact_is_one_clear_error(tmp_path) -> None:
    from analysis.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match="train entities"):
        tagger.apply(load_model.__wrapped__(None, tagger=False), tmp_path / "none.bin")
    with pytest.raises(ModelNotFoundError, match="none_vectors.bin"):
        tagger.apply(load_model.__wrapped__(None, tagger=False), tagger.ARTIFACT, tmp_path / "none_vectors.bin")


def test_shipped_vectors_are_minilms_word_rows() -> None:
    """The shipped table is exactly what the trainer builds from the installed MiniLM package."""
    import srsly

    table = tagger_training.minilm_word_table()
    assert tagger.VECTORS.read_bytes() == srsly.msgpack_dumps(table)
    assert len(table["words"]) == table["vectors"].shape[0] == 22501
    assert all(w.isalpha() and w == w.lower() for w in table["words"][:2000])


def test_word_vectors_give_every_case_one_row() -> None:
    import numpy

    vocab = load_model.__wrapped__(None, tagger=False).vocab
    vectors = tagger.word_vectors(vocab)
    rows = {form: vectors.find(key=vocab.strings[form]) for form in ("chelsea", "Chelsea", "CHELSEA")}
    assert len(set(rows.values())) == 1 and rows["chelsea"] >= 0
    assert vectors.find(key=vocab.strings.add("Zzxqvbt")) == -1  # not a MiniLM word: no row

    def cosine(a: str, b: str) -> float:
        u, v = vectors[vocab.strings[a]], vectors[vocab.strings[b]]
        return float(u @ v / numpy.linalg.norm(u) / numpy.linalg.norm(v))

    # what the vectors add: a football club is nearer another club than a company or its city
    assert cosine("chelsea", "arsenal") > max(cosine("chelsea", "microsoft"), cosine("chelsea", "london")) + 0.1


def test_the_trainer_starts_from_the_base_ner_exactly() -> None:
    """Before any update, the rebuilt ner with the vectors' inputs weighted zero tags as the base ner."""
    from spacy.training import Example

    base = load_model.__wrapped__(None, tagger=False)
    texts = ["Tony Blair met Gerhard Schroeder in Berlin on Monday.", "Chelsea beat Arsenal 2-1 at Stamford Bridge."]
    before = [[(e.text, e.label_) for e in doc.ents] for doc in base.pipe(texts)]
    base.vocab.vectors = tagger.word_vectors(base.vocab)
    old = base.get_pipe("ner")
    ner = tagger.with_word_vectors(base)
    sample = [Example.from_dict(base.make_doc(texts[0]), {})]
    ner.initialize(lambda: sample, nlp=base, labels=old.label_data)
    tagger_training._copy_weights(old, ner)
    assert [[(e.text, e.label_) for e in doc.ents] for doc in base.pipe(texts)] == before
    mixer = next(n for n in ner.model.walk() if n.name == "maxout")
    assert mixer.get_param("W").shape[-1] == 5 * 96 and not mixer.get_param("W")[..., 4 * 96:].any()


def test_evaluate_entities_keeps_old_keys_and_adds_tagger(tmp_path, nlp, capsys) -> None:
    path = tmp_path / "tiny.conll"
    path.write_text(TINY, encoding="utf-8")
    result = conll.evaluate_conll(path, nlp=nlp, ablation=True)
    for key in ("bare", "document_entities", "tagger", "tagger_document_entities"):
        for kind in ("PER", "ORG", "LOC", "MISC", "micro_PER_ORG_LOC"):
            assert set(result[key][kind]) >= {"precision", "recall", "f1"}
    assert result["tagger"]["micro_PER_ORG_LOC"]["gold"] == 3
    assert result["tagger"]["micro_PER_ORG_LOC"]["correct"] == 3  # Tony Blair, Berlin, Siemens
    assert set(result["tagger_rule_ablation"]) >= {"bare", "propagate=False", "skip=harmonise_labels"}
    assert conll.main([str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {"bare", "document_entities", "caps_ablation", "tagger", "tagger_document_entities"} <= set(printed)


def test_train_cli_reports_missing_file(tmp_path, capsys) -> None:
    assert tagger_training.main_train(["--train", str(tmp_path / "none.conll"), "--out", str(tmp_path / "x.bin")]) == 2
    assert "none.conll: no such file" in capsys.readouterr().err


def test_place_names_relabels_a_lone_place_called_person(nlp) -> None:
    doc = nlp.make_doc("Hawaii was the final state to vote. Michael Jordan scored and Jordan won.")
    doc.ents = [doc.char_span(0, 6, label="PERSON"), doc.char_span(36, 50, label="PERSON"),
                doc.char_span(62, 68, label="PERSON")]
    labels = [(e.text, e.label_) for e in tagger.place_names(doc).ents]
    # a country/state name becomes GPE, unless a longer PERSON name in the document contains it
    assert labels == [("Hawaii", "GPE"), ("Michael Jordan", "PERSON"), ("Jordan", "PERSON")]
    assert "place_names" in nlp.pipe_names


def test_courtesy_titles_stay_outside_names(nlp) -> None:
    doc = nlp.make_doc("Mr Blair met Mrs Thatcher.")
    doc.ents = [doc.char_span(0, 8, label="PERSON"), doc.char_span(13, 25, label="PERSON")]
    # "Mrs" stays: it may name a spouse, and the corpus identity pass needs to see it
    assert [(e.text, e.label_) for e in tagger.name_titles(doc).ents] == [("Blair", "PERSON"), ("Mrs Thatcher", "PERSON")]
    doc = nlp.make_doc("Mayor Anna Berg met President-elect Joe Biden and Prince Charles.")
    doc.ents = [doc.char_span(0, 15, label="PERSON"), doc.char_span(20, 45, label="PERSON"), doc.char_span(50, 64, label="PERSON")]
    assert [e.text for e in tagger.name_titles(doc).ents] == ["Anna Berg", "Joe Biden", "Prince Charles"]
    assert {e.text for e in nlp("Mr Blair said Mr Brown would stay.").ents if e.label_ == "PERSON"} <= {"Blair", "Brown"}
    # the tagger itself leaves "Mrs" outside ("Mrs [Blair]"): name_titles takes it in
    doc = nlp.make_doc("Tony Blair and Mrs Blair met Ms. Jones.")
    doc.ents = [doc.char_span(0, 10, label="PERSON"), doc.char_span(19, 24, label="PERSON"), doc.char_span(33, 38, label="PERSON")]
    assert [e.text for e in tagger.name_titles(doc).ents] == ["Tony Blair", "Mrs Blair", "Ms. Jones"]
    assert "Mrs Blair" in {e.text for e in nlp("Tony Blair spoke. Mrs Blair said she was happy.").ents}
