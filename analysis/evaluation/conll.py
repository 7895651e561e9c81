"""CoNLL-2003 NER evaluation of the base model and the name tagger, bare and with :func:`analysis.lang.ner.document_entities`.

Reads a CoNLL file (token first, NER tag last; IOB1 or IOB2, detected), rebuilds each
document's text (tokens joined by spaces, sentences by newlines), runs the pipeline, maps
spaCy labels to CoNLL types, aligns the predicted spans to tokens and prints exact-span
precision, recall and F1 per type as JSON (conlleval's definition).

Run: ``python -m analysis.evaluation.conll FILE``.
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from ..lang.ner import CAPS_MODES, DEFAULT_CAPS, DEFAULT_SKIP, NAME_LABELS, RULES, document_entities
from ..lang.tagger import CONLL_TYPE
from ..lang.nlp import load_model

TYPES = ("PER", "ORG", "LOC", "MISC")
CORE_TYPES = ("PER", "ORG", "LOC")

#: A chunk: (first token, last token + 1, type), token indices within one document.
Chunk = tuple[int, int, str]


@dataclass
class ConllDocument:
    """One ``-DOCSTART-`` document: sentences of tokens and their NER tags."""

    tokens: list[list[str]]
    tags: list[list[str]]

    def text_and_offsets(self) -> tuple[str, list[int], list[int]]:
        """Text (tokens joined by spaces, sentences by newlines), token starts and ends."""
        parts, starts, ends, pos = [], [], [], 0
        for sentence in self.tokens:
            for i, token in enumerate(sentence):
                sep = "" if not parts else ("\n" if i == 0 else " ")
                pos += len(sep)
                parts.append(sep + token)
                starts.append(pos)
                pos += len(token)
                ends.append(pos)
        return "".join(parts), starts, ends

    def flat_tags(self) -> list[str]:
        return [tag for sentence in self.tags for tag in sentence]

    def chunks(self) -> set[Chunk]:
        """Gold chunks, token indices over the whole document; none crosses a sentence."""
        result, offset = set(), 0
        for tags in self.tags:
            result |= {(start + offset, end + offset, kind) for start, end, kind in gold_chunks(tags)}
            offset += len(tags)
        return result


def read_conll(path: str | Path) -> list[ConllDocument]:
    """Documents of a CoNLL file, split on ``-DOCSTART-`` lines; empty documents dropped."""
    documents: list[ConllDocument] = []
    tokens: list[list[str]] = [[]]
    tags: list[list[str]] = [[]]
    for line in Path(path).read_text(encoding="utf-8").splitlines() + ["-DOCSTART- O"]:
        fields = line.split()
        if not fields:
            tokens.append([])
            tags.append([])
        elif fields[0] == "-DOCSTART-":
            document = ConllDocument([s for s in tokens if s], [s for s in tags if s])
            if document.tokens:
                documents.append(document)
            tokens, tags = [[]], [[]]
        else:
            tokens[-1].append(fields[0])
            tags[-1].append(fields[-1])
    return documents


def detect_scheme(tag_sequences: Iterable[Sequence[str]]) -> str:
    """``"IOB1"`` when some chunk opens with ``I-``, else ``"IOB2"``."""
    for tags in tag_sequences:
        previous = "O"
        for tag in tags:
            if tag.startswith("I-") and previous[2:] != tag[2:]:
                return "IOB1"
            previous = tag
    return "IOB2"


def gold_chunks(tags: Sequence[str]) -> set[Chunk]:
    """Chunks of an IOB1 or IOB2 tag sequence.

    A chunk opens at ``B-X``, or at ``I-X`` after ``O`` or another type (IOB1, and the
    lenient reading of malformed IOB2, as conlleval does); it runs over the ``I-X`` after it.
    """
    chunks: set[Chunk] = set()
    start, kind = None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and label == kind
        if start is not None and not continues:
            chunks.add((start, i, kind))
            start, kind = None, None
        if prefix in ("B", "I") and start is None:
            start, kind = i, label
    return chunks


def align(spans: Iterable[tuple[int, int, str]], starts: list[int], ends: list[int]) -> set[Chunk]:
    """Token chunks of character spans: every token the span overlaps is included."""
    chunks = set()
    for start, end, kind in spans:
        first = bisect_right(ends, start)
        last = bisect_left(starts, end)
        if first < last:
            chunks.add((first, last, kind))
    return chunks


def bare_spans(doc: Doc, label_map: dict[str, str]) -> list[tuple[int, int, str]]:
    """The model's entities as (start char, end char, CoNLL type)."""
    return [(e.start_char, e.end_char, label_map[e.label_]) for e in doc.ents if e.label_ in label_map]


def document_spans(doc: Doc, label_map: dict[str, str], caps: str = DEFAULT_CAPS, nlp: Language | None = None,
                   **options) -> list[tuple[int, int, str]]:
    """:func:`document_entities` mentions as (start char, end char, CoNLL type); ``options`` go to it."""
    mentions = document_entities(doc, labels=NAME_LABELS, caps=caps, nlp=nlp, **options)
    return [(m.start, m.end, label_map[m.label]) for m in mentions if m.label in label_map]


def score(gold: Iterable[Chunk], predicted: Iterable[Chunk]) -> dict:
    """Exact-span P/R/F1 per type, micro over PER/ORG/LOC and over all four types.

    Args:
        gold: chunks with a document index folded in (any hashable, last item the type).
        predicted: the same for the system.
    """
    gold, predicted = set(gold), set(predicted)
    result = {kind: _prf(gold, predicted, (kind,)) for kind in TYPES}
    result["micro_PER_ORG_LOC"] = _prf(gold, predicted, CORE_TYPES)
    result["micro_with_MISC"] = _prf(gold, predicted, TYPES)
    return result


def _prf(gold: set, predicted: set, kinds: tuple[str, ...]) -> dict:
    g = {c for c in gold if c[-1] in kinds}
    p = {c for c in predicted if c[-1] in kinds}
    tp = len(g & p)
    precision = tp / len(p) if p else 0.0
    recall = tp / len(g) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "gold": len(g), "predicted": len(p), "correct": tp}


def evaluate_conll(path: str | Path, *, nlp: Language | None = None, base: Language | None = None,
                   map_misc: bool = True, ablation: bool = False) -> dict:
    """Score the base model and the project's name tagger, each bare and with :func:`document_entities`.

    Args:
        path: CoNLL file (token first, NER tag last).
        nlp: the project's pipeline with its name tagger (default :func:`analysis.lang.nlp.load_model`).
        base: the base pipeline, the model's own ``ner`` (default ``load_model(tagger=False)``).
        map_misc: map NORP/EVENT/WORK_OF_ART/LAW/PRODUCT/LANGUAGE to MISC; when false,
            only PER/ORG/LOC are predicted.
        ablation: also score the tagger with each document-level rule left out, and each rule
            skipped by default put back (``tagger_rule_ablation``: PER/ORG/LOC micro and per-type
            F1 per variant; ``caps=MODE`` variants use the default rules).

    Returns:
        ``{"file", "scheme", "docs", "tokens", "seconds", "bare", "document_entities",
        "caps_ablation", "tagger", "tagger_document_entities", "tagger_caps_ablation"}``:
        :func:`score` results of the base model (``bare``, ``document_entities``) and of the
        name tagger (``tagger``, ``tagger_document_entities``: the default configuration),
        and the PER/ORG/LOC micro-F1 of ``document_entities`` with each way of reading
        ALL-CAPS sentences (``caps``) on each. ``document_entities`` is the base model with
        ``caps="recase"`` and every rule (the project's configuration before the tagger);
        ``tagger_document_entities`` the default configuration (``DEFAULT_CAPS``, ``DEFAULT_SKIP``).
    """
    began = time.perf_counter()
    base = base or load_model(tagger=False)
    nlp = nlp or load_model()
    label_map = {k: v for k, v in CONLL_TYPE.items() if map_misc or v != "MISC"}
    documents = read_conll(path)
    gold = {(n, *c) for n, document in enumerate(documents) for c in document.chunks()}
    prepared = [d.text_and_offsets() for d in documents]
    result = {
        "file": str(path),
        "scheme": detect_scheme(tags for d in documents for tags in d.tags),
        "docs": len(documents),
        "tokens": sum(len(s) for d in documents for s in d.tokens),
    }
    for prefix, model in (("", base), ("tagger_", nlp)):
        # the base model as the project ran it before the tagger: every rule, caps="recase";
        # the tagger as it runs now: DEFAULT_CAPS, DEFAULT_SKIP
        skip = DEFAULT_SKIP if prefix else ()
        variants = {f"caps={mode}": {"caps": mode, "skip": skip} for mode in CAPS_MODES}
        if ablation and prefix:
            default = {"caps": DEFAULT_CAPS, "skip": DEFAULT_SKIP}
            variants["propagate=False"] = {**default, "propagate": False}
            variants.update({f"skip={rule}": {**default, "skip": (*DEFAULT_SKIP, rule)}
                             for rule in RULES if rule not in DEFAULT_SKIP})
            variants.update({f"with={rule}": {**default, "skip": tuple(r for r in DEFAULT_SKIP if r != rule)}
                             for rule in DEFAULT_SKIP})
        scores = _score_model(model, prepared, gold, label_map, variants)
        result[f"{prefix}bare" if prefix == "" else "tagger"] = scores["bare"]
        result[f"{prefix}document_entities"] = scores[f"caps={DEFAULT_CAPS if prefix else 'recase'}"]
        result[f"{prefix}caps_ablation"] = {name: scores[name]["micro_PER_ORG_LOC"]["f1"]
                                            for name in scores if name.startswith("caps=")}
        if ablation and prefix:
            result["tagger_rule_ablation"] = {
                name: {k: scores[name][k]["f1"] for k in ("micro_PER_ORG_LOC", *CORE_TYPES)} for name in scores}
    result["seconds"] = round(time.perf_counter() - began, 1)
    return result


def _score_model(nlp: Language, prepared: list[tuple[str, list[int], list[int]]], gold: set,
                 label_map: dict[str, str], variants: dict[str, dict]) -> dict[str, dict]:
    """:func:`score` of one pipeline: bare and with :func:`document_entities` per variant (its options)."""
    systems = {"bare": lambda doc: bare_spans(doc, label_map)}
    systems.update({name: functools.partial(document_spans, label_map=label_map, nlp=nlp, **options)
                    for name, options in variants.items()})
    predicted: dict[str, set] = {name: set() for name in systems}
    for n, ((_, starts, ends), doc) in enumerate(zip(prepared, nlp.pipe(text for text, _, _ in prepared))):
        for name, spans in systems.items():
            predicted[name] |= {(n, *c) for c in align(spans(doc), starts, ends)}
    return {name: score(gold, chunks) for name, chunks in predicted.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print :func:`evaluate_conll` as JSON; 2 when the file is missing."""
    parser = argparse.ArgumentParser(prog="analysis evaluate entities", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="CoNLL-format file, e.g. eng.testb")
    parser.add_argument("--no-misc", action="store_true", help="predict PER/ORG/LOC only")
    parser.add_argument("--ablation", action="store_true",
                        help="also score the tagger with each document-level rule left out (tagger_rule_ablation)")
    parser.add_argument("--tagger", choices=["conll", "minilm"], default="conll",
                        help="name tagger scored under the tagger* keys: the default (conll) or the heavier MiniLM option")
    parser.add_argument("--minilm-artifact", type=Path, default=None,
                        help="with --tagger minilm: weights to score instead of the shipped ones (e.g. a training checkpoint)")
    parser.add_argument("--conll-artifact", type=Path, default=None,
                        help="with --tagger conll: weights to score instead of the shipped ones (e.g. a training checkpoint)")
    parser.add_argument("--conll-vectors", type=Path, default=None,
                        help="with --conll-artifact: the word-vectors file it was trained with (default: the shipped one)")
    args = parser.parse_args(argv)
    for path in (args.file, args.conll_artifact, args.conll_vectors):
        if path is not None and not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            return 2
    nlp = None
    if args.tagger == "conll" and args.conll_artifact:
        from ..lang import tagger

        nlp = tagger.apply(load_model.__wrapped__(None, tagger=False), args.conll_artifact,
                           args.conll_vectors or tagger.VECTORS)
    elif args.tagger == "minilm" and args.minilm_artifact:
        from ..lang import minilm_tagger

        nlp = minilm_tagger.apply(load_model.__wrapped__(None, tagger=True), args.minilm_artifact)
    elif args.tagger == "minilm":
        nlp = load_model(tagger="minilm")
    result = evaluate_conll(args.file, nlp=nlp, map_misc=not args.no_misc, ablation=args.ablation)
    print(json.dumps({**result, "tagger_name": args.tagger}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
