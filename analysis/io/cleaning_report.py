"""How much each cleaning rule removed, per outlet: ``python -m analysis.io.cleaning_report FILE...``.

Reads articles (JSON Lines, ``.jsonl.gz``, folders) through the normal ingestion, so the
counts are what the analyses see, and prints an outlet x rule table of removed pieces
(lines or inline widgets), plus the articles per outlet. ``--csv PATH`` also writes the
long table (:data:`COLUMNS`).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Sequence

import pandas as pd

from ..types import Article

#: Columns of :func:`cleaning_counts`.
COLUMNS = {
    "outlet": "outlet of the articles (``(unknown outlet)`` when not given)",
    "step": "cleaning step (function in analysis.clean)",
    "reason": "the rule's reason (the boilerplate shape it recognised)",
    "removed": "pieces removed (paragraph lines, or inline widgets for strip_person_cards)",
    "articles": "articles of the outlet in which the rule removed something",
}


def cleaning_counts(articles: Iterable[Article]) -> tuple[pd.DataFrame, Counter]:
    """Removed pieces per outlet, step and reason; and the number of articles per outlet.

    Args:
        articles: cleaned articles (their ``removed`` records); errors are skipped by the caller.

    Returns:
        (:data:`COLUMNS` sorted by outlet and step/reason, ``Counter`` outlet → articles).
    """
    removed: Counter = Counter()
    touched: Counter = Counter()
    per_outlet: Counter = Counter()
    for art in articles:
        outlet = art.outlet or "(unknown outlet)"
        per_outlet[outlet] += 1
        seen = set()
        for r in art.removed:
            removed[(outlet, r.step, r.reason)] += 1
            seen.add((outlet, r.step, r.reason))
        for k in seen:
            touched[k] += 1
    rows = [(*k, n, touched[k]) for k, n in sorted(removed.items())]
    return pd.DataFrame(rows, columns=list(COLUMNS)), per_outlet


def counts_table(counts: pd.DataFrame, per_outlet: Counter) -> pd.DataFrame:
    """Outlet x reason table of removed pieces, with an ``articles`` column and a total row."""
    wide = counts.pivot_table(index="outlet", columns="reason", values="removed", aggfunc="sum", fill_value=0)
    wide = wide.reindex(sorted(per_outlet), fill_value=0)
    wide.insert(0, "articles", [per_outlet[o] for o in wide.index])
    wide.loc["TOTAL"] = wide.sum()
    return wide.astype(int)


def main(argv: Sequence[str] | None = None) -> int:
    from ..errors import ArticleError
    from .expand import load_articles

    parser = argparse.ArgumentParser(prog="python -m analysis.io.cleaning_report", description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="article files, folders, JSON Lines (.jsonl, .jsonl.gz)")
    parser.add_argument("--csv", help="also write the long table here")
    args = parser.parse_args(argv)
    errors = 0

    def good():
        nonlocal errors
        for art in load_articles(args.inputs):
            if isinstance(art, ArticleError):
                errors += 1
                print(str(art), file=sys.stderr)
            else:
                yield art

    counts, per_outlet = cleaning_counts(good())
    if args.csv:
        counts.to_csv(args.csv, index=False)
    with pd.option_context("display.width", 250, "display.max_columns", 50):
        print(counts_table(counts, per_outlet).to_string())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
