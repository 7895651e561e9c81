"""Command line: ``python -m analysis {report,evaluate,train,corpus,sweep} ...``.

Errors a user can fix (bad input, bad parameters) print one line on stderr; no traceback.
Per-file failures go to stderr, one line each naming the file; progress and results to stdout.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import PARTITION_SIZE, RECYCLE_AFTER, REPORTS_DIR, SEEDS_DIR
from .errors import AnalysisError

EXIT_CODES = """exit status:
  0  every input was analysed
  1  some inputs failed (each named on stderr); the others were analysed and written
  2  usage error, bad option value, no input found, or the output folder in use by another run (nothing was run)"""


def _report(args: argparse.Namespace) -> int:
    from .render.report import render_reports

    inputs = args.articles or [SEEDS_DIR]
    reports = render_reports(inputs, args.out, published=args.published or "", progress=not args.quiet)
    for r in reports:
        print(f"{'ok' if r.ok else 'FAILED':6} {r.seconds:6.1f}s  {r.source}", flush=True)
        if r.error:
            print(r.error, file=sys.stderr, flush=True)
    if not reports:
        print("no articles found in: " + ", ".join(map(str, inputs)), file=sys.stderr)
        return 2
    if not any(r.ok for r in reports):
        print(f"no report rendered ({len(reports)} input(s) failed); {Path(args.out) / 'index.html'} not written", file=sys.stderr)
        return 1
    print(f"index: {Path(args.out) / 'index.html'}")
    return 0 if all(r.ok for r in reports) else 1


def _evaluate(args: argparse.Namespace) -> int:
    if args.what == "timeline":
        from .evaluation.timeml import main
    elif args.what == "entities":
        from .evaluation.conll import main
    elif args.what == "coref":
        from .evaluation.coref_eval import main
    elif args.what == "tls":
        from .evaluation.tls import main
    else:
        from .evaluation.newsmtsc import main
    return main(args.rest)


def _train(args: argparse.Namespace) -> int:
    if args.what == "entities" and "--tagger" in args.rest:
        from .evaluation.minilm_tagger_training import main_train

        i = args.rest.index("--tagger")
        if args.rest[i + 1:i + 2] == ["arbiter"]:
            from .evaluation.arbiter_training import main_train
        elif args.rest[i + 1:i + 2] != ["minilm"]:
            print("train entities: --tagger takes 'minilm' (the MiniLM weights) or 'arbiter' (how the option combines "
                  "them with the ner); the default tagger is trained without --tagger", file=sys.stderr)
            return 2
        return main_train(args.rest[:i] + args.rest[i + 2:])
    elif args.what == "entities":
        from .evaluation.tagger_training import main_train
    elif args.what == "coref":
        from .evaluation.coref_pairs import main_train
    elif "--corpus-model" in args.rest:
        from .evaluation.targeted_corpus_training import main_train

        return main_train([a for a in args.rest if a != "--corpus-model"])
    else:
        from .articles.targeted import main_train

    return main_train(args.rest)


def _corpus(args: argparse.Namespace) -> int:
    from .corpus.forkserver import early_server

    if getattr(args, "tagger", "conll") == "minilm":
        import os

        os.environ["ANALYSIS_TAGGER"] = "minilm"  # local workers inherit it (a remote scheduler's workers need it set)

    # the local workers' fork server loads the model while this process imports and keys the inputs
    with early_server(enabled=not args.scheduler):
        from .corpus.cli import run_cli

        return run_cli(args)


def _sweep(args: argparse.Namespace) -> int:
    from .render.sweep import run_cli

    return run_cli(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0], epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, **kwargs) -> argparse.ArgumentParser:
        return sub.add_parser(name, epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)

    rep = add("report", help="render the sentiment, entities and timeline reports for articles")
    rep.add_argument("articles", nargs="*", help="article files, folders or globs (default: seeds/)")
    rep.add_argument("--out", default=str(REPORTS_DIR), help="output folder (default: reports/)")
    rep.add_argument("--published", help="publication date YYYY-MM-DD for every article (overrides sidecars)")
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    rep.set_defaults(func=_report)

    ev = add("evaluate", help="score an analysis on public gold data; prints JSON")
    ev.add_argument("what", choices=["timeline", "entities", "sentiment", "coref", "tls"])
    ev.add_argument("rest", nargs=argparse.REMAINDER, help="arguments of the scorer (files or folders)")
    ev.set_defaults(func=_evaluate)

    tr = add("train", help="train a model from public data")
    tr.add_argument("what", choices=["sentiment", "entities", "coref"])
    tr.add_argument("rest", nargs=argparse.REMAINDER, help="arguments of the trainer")
    tr.set_defaults(func=_train)

    co = add("corpus", help="analyse a corpus on Dask into Parquet tables (articles, sentences, entities, timexes, errors)")
    co.add_argument("inputs", nargs="+", help="article files, folders, globs or JSON Lines files")
    co.add_argument("--out", required=True, help="output folder for the Parquet tables")
    co.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786 (default: a local cluster)")
    co.add_argument("--partition-size", type=int, default=PARTITION_SIZE, help="articles per Dask task (default %(default)s)")
    co.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    co.add_argument("--recycle-after", type=int, default=RECYCLE_AFTER,
                    help="restart the local workers once each has analysed this many partitions, giving back memory (default %(default)s; 0: never)")
    co.add_argument("--fresh", action="store_true",
                    help="analyse every article again; default: only new or changed ones, the others' results are kept in OUT/.kept")
    co.add_argument("--quote-min-words", type=int, default=None,
                    help="shortest direct quotation kept, in words (default 4); a change reanalyses every article")
    co.add_argument("--report", action="store_true", help="also render notebooks/corpus.ipynb into OUT/corpus.{ipynb,html}")
    co.add_argument("--portrayal", action="store_true",
                    help="also score every name mention with the targeted sentiment model (table mention_sentiment, "
                         "about 1.45x the CPU); with --report, also render notebooks/portrayal.ipynb")
    co.add_argument("--tagger", choices=["conll", "minilm"], default="conll",
                    help="name tagger: the default (conll) or the heavier MiniLM option (analysis.lang.minilm_tagger)")
    co.add_argument("--quiet", action="store_true", help="no progress bar")
    co.set_defaults(func=_corpus)

    sw = add("sweep", help="execute notebooks over articles x a parameter grid described in a YAML file")
    sw.add_argument("spec", help="sweep YAML (articles, notebooks, parameters, output)")
    sw.add_argument("--workers", type=int, default=2, help="parallel worker processes (default 2)")
    sw.add_argument("--force", action="store_true", help="redo every run, not only missing or failed ones")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.set_defaults(func=_sweep)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AnalysisError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
