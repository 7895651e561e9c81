"""Sentences per second on CPU: TextBlob, VADER and the targeted model, side by side.

Usage: ``python benchmarks/bench_sentiment.py [--n 500] [--repeat 3]``

Reads (sentence, target) pairs from NewsMTSC ``devtest_rw.jsonl`` (or a built-in sample
when the shared data is absent), times each lens on the same pairs — best of
``--repeat`` runs, after one warm-up call — and also the latency of one article-sized
call (50 pairs). Every targeted-model artifact that loads here is measured. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence

from analysis.config import DATA_DIR
from analysis.articles.targeted import LEXICAL_ARTIFACT, MINILM_ARTIFACT, load_newsmtsc, load_targeted_model, minilm_available

SAMPLE = [
    ("Smith praised the new policy, while Jones was slammed for corruption.", 0, 5),
    ("The senator met the governor on Tuesday to discuss the budget.", 4, 11),
    ("Critics say the president has failed to deliver on his promises.", 15, 24),
]
ARTICLE_PAIRS = 50


def _pairs(n: int) -> list[tuple[str, int, int]]:
    path = DATA_DIR / "newsmtsc" / "devtest_rw.jsonl"
    pairs = [ex[:3] for ex in load_newsmtsc(path)] if path.is_file() else SAMPLE
    return [pairs[i % len(pairs)] for i in range(n)]


def _best_seconds(run: Callable[[], object], repeat: int) -> float:
    run()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _lenses() -> dict[str, Callable[[Sequence[tuple[str, int, int]]], object]]:
    from textblob import TextBlob
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    lenses = {
        "textblob": lambda pairs: [TextBlob(s).sentiment.polarity for s, _, _ in pairs],
        "vader": lambda pairs: [vader.polarity_scores(s)["compound"] for s, _, _ in pairs],
        "targeted_lexical": load_targeted_model(LEXICAL_ARTIFACT).predict,
    }
    if minilm_available() and MINILM_ARTIFACT.is_file():
        lenses["targeted_minilm"] = load_targeted_model(MINILM_ARTIFACT).predict
    return lenses


def main(argv: Sequence[str] | None = None) -> int:
    """Time every lens on the same pairs and print sentences/second as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="sentence-target pairs per timed run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    pairs, article = _pairs(args.n), _pairs(ARTICLE_PAIRS)
    results = {}
    for name, lens in _lenses().items():
        seconds = _best_seconds(lambda: lens(pairs), args.repeat)
        article_seconds = _best_seconds(lambda: lens(article), args.repeat)
        results[name] = {"sentences_per_second": round(args.n / seconds, 1),
                         "article_50_pairs_seconds": round(article_seconds, 3)}
    print(json.dumps({"n": args.n, "repeat": args.repeat, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
