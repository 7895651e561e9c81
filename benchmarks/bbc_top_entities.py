"""How the BBC corpus's most-mentioned names change with the name tagger.

Parses every BBC News article (``../shared/data/bbc-news``, 2,225; sorted paths, ``--limit``
for fewer) with the base model and with the name tagger (:mod:`analysis.lang.tagger`), runs
:func:`analysis.ner.document_entities` on each and prints JSON (names and counts only): the
top ``--top`` names of each by mentions with their label shares, and for a few probe names
(Yukos, Oscar, football clubs) the mentions per label under each. Exits 0 with a message when
the corpus is absent.

Run: ``python benchmarks/bbc_top_entities.py [--limit N] [--top 25] [--only base|tagger]``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict

from analysis.config import DATA_DIR
from analysis.io.expand import load_articles
from analysis.lang.ner import document_entities
from analysis.lang.nlp import SKIPPABLE, load_model
from analysis.types import Article

PROBES = ("Yukos", "Oscar", "Oscars", "Chelsea", "Arsenal", "Liverpool", "Manchester United", "Everton",
          "Newcastle", "Celtic", "Real Madrid", "Blair", "Brown", "Bush", "Microsoft", "Apple", "BBC", "EU", "UK", "US")


def count(texts: list[str], *, tagger: bool) -> dict[str, Counter]:
    """name -> Counter of labels over every ``document_entities`` mention."""
    nlp = load_model(tagger=tagger)
    counts: dict[str, Counter] = defaultdict(Counter)
    for doc in nlp.pipe(texts, disable=list(SKIPPABLE), batch_size=16):
        # the base model as the project ran it before the tagger (caps="recase", every rule); the tagger as now
        for m in document_entities(doc, nlp=nlp, **({} if tagger else {"caps": "recase", "skip": ()})):
            counts[m.text][m.label] += 1
    return counts


def summary(counts: dict[str, Counter], top: int) -> list[dict]:
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:top]
    return [{"name": name, "mentions": sum(c.values()), "labels": dict(c.most_common())} for name, c in ranked]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N articles (sorted paths); default all")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", choices=["base", "tagger"], help="count with one model only")
    args = parser.parse_args(argv)
    paths = sorted((DATA_DIR / "bbc-news").glob("*/*.txt"))[: args.limit]
    if not paths:
        print("BBC News articles not found under ../shared/data; nothing to count", file=sys.stderr)
        return 0
    texts = [a.text for a in load_articles(paths) if isinstance(a, Article)]
    result: dict = {"articles": len(texts)}
    for name, tagger in (("base", False), ("tagger", True)):
        if args.only and name != args.only:
            continue
        began = time.perf_counter()
        counts = count(texts, tagger=tagger)
        result[name] = {"seconds": round(time.perf_counter() - began), "top": summary(counts, args.top),
                        "probes": {p: dict(counts[p].most_common()) for p in PROBES if p in counts}}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
