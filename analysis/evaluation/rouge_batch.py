"""ROUGE-1.5.5 (the perl script tilse calls through pyrouge) run once for many summaries.

tilse's :class:`~tilse.evaluation.rouge.TimelineRougeEvaluator` asks its ``rouge`` object for the
counts of one (predicted daily summary, reference summaries) pair at a time, and pyrouge starts the
perl script for each: the script's start (reading its WordNet exception database for ``-m``) costs
far more than scoring one pair, and one timeline needs about four calls per date. The counts of a
pair do not depend on the other pairs of a run (ROUGE-1.5.5 computes each ``<EVAL>`` on its own and
prints it with ``-d``), so :class:`BatchRouge`

1. collects the pairs an evaluation will ask for (:func:`requested_pairs`: the evaluation run once
   against a recorder; which pairs tilse scores depends on its alignment, computed from its own
   ROUGE approximation, never on the perl counts),
2. scores every pair it has not seen in one perl run per chunk (:meth:`BatchRouge.prefetch`; the
   chunks of a call run side by side on ``workers`` processes), with exactly pyrouge's files and
   options (``-a -n 2 -x -f A -d -m -s -t 2``), and
3. answers tilse's calls from that table: the same counts as one perl run per pair (checked in
   ``tests/test_tls.py``), once per distinct pair.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["BatchRouge", "requested_pairs", "pair_key"]

_MEASURES = ("rouge_1", "rouge_2")
#: Pairs per perl run: a run's memory and output stay small; its start is paid once per chunk.
CHUNK = 400
_PER_EVAL = re.compile(r"^\S+ ROUGE-(\d) Eval (e\d+)\.\S+ R:(\d+) P:(\d+) F:(\d+)\s*$")


def pair_key(summary, references) -> tuple:
    """A hashable key of one (summary, references) request (token lists, as tilse passes them)."""
    return (tuple(tuple(s) for s in summary),
            tuple((name, tuple(tuple(s) for s in sents)) for name, sents in sorted(references.items())))


class _Recorder:
    """A stand-in ``rouge`` that records each request and answers non-zero dummy counts (so that
    tilse's ratios do not divide by zero on the recording pass)."""

    def __init__(self):
        self.pairs: dict[tuple, tuple] = {}

    def score_summary(self, summary, references):
        self.pairs.setdefault(pair_key(summary, references), (summary, references))
        return {f"{m}_{c}_count": 1 for m in _MEASURES for c in ("h", "p", "m")}


def requested_pairs(evaluator, run: Callable[[], object]) -> list[tuple]:
    """The (summary, references) pairs ``run()`` makes ``evaluator`` score, without scoring them."""
    real, recorder = evaluator.rouge, _Recorder()
    evaluator.rouge = recorder
    try:
        run()
    finally:
        evaluator.rouge = real
    return list(recorder.pairs.values())


class BatchRouge:
    """pyrouge's ``Rouge155(average="raw", stem=True, ignore_stopwords=True)`` (tilse's "original"
    ROUGE) with a table of the counts already computed and a batched :meth:`prefetch`."""

    def __init__(self, workers: int = 1, chunk: int = CHUNK):
        import pyrouge
        from pyrouge.base import ROUGE_EVAL_HOME

        self._pyrouge = pyrouge
        self._bin = os.path.join(ROUGE_EVAL_HOME, "ROUGE-1.5.5.pl")
        self._data = os.path.join(ROUGE_EVAL_HOME, "data")
        self.workers = max(1, workers)
        self.chunk = chunk
        self.table: dict[tuple, dict[str, int]] = {}
        self.perl_runs = 0

    def score_summary(self, summary, references) -> dict[str, int]:
        key = pair_key(summary, references)
        if key not in self.table:
            self.prefetch([(summary, references)])
        return dict(self.table[key])

    def prefetch(self, pairs: Iterable[tuple]) -> int:
        """Score every pair not in the table (one perl run per :attr:`chunk` pairs); returns how many."""
        todo: dict[tuple, tuple] = {}
        for summary, references in pairs:
            key = pair_key(summary, references)
            if key not in self.table:
                todo.setdefault(key, (summary, references))
        items = list(todo.items())
        if not items:
            return 0
        n_chunks = max(-(-len(items) // self.chunk), min(self.workers, len(items)))
        size = -(-len(items) // n_chunks)
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        if len(chunks) == 1 or self.workers == 1:
            results = [self._run(c) for c in chunks]
        else:
            with ThreadPoolExecutor(self.workers) as pool:  # each thread waits on its own perl process
                results = list(pool.map(self._run, chunks))
        for res in results:
            self.table.update(res)
        return len(items)

    def _run(self, items: list[tuple]) -> dict[tuple, dict[str, int]]:
        """One perl run over ``items`` (``[(key, (summary, references))]``): one ``<EVAL>`` per pair,
        written as pyrouge writes its single evaluation (peer ``A``, models by reference name)."""
        from pyrouge.rouge import rouge_summary_content

        tmp = tempfile.mkdtemp(prefix="rouge-batch-")
        try:
            evals = []
            for n, (_, (summary, references)) in enumerate(items):
                peers, models = os.path.join(tmp, f"p{n}"), os.path.join(tmp, f"m{n}")
                os.mkdir(peers)
                os.mkdir(models)
                with open(os.path.join(peers, "A.html"), "w", encoding="utf-8") as f:
                    f.write(rouge_summary_content("A", summary))
                model_elems = []
                for i, (name, sents) in enumerate(references.items()):
                    with open(os.path.join(models, f"{name}.html"), "w", encoding="utf-8") as f:
                        f.write(rouge_summary_content(name, sents))
                    model_elems.append(f'<M ID="{chr(65 + i)}">{name}.html</M>')
                evals.append(
                    f'<EVAL ID="e{n}"><MODEL-ROOT>{models}</MODEL-ROOT><PEER-ROOT>{peers}</PEER-ROOT>'
                    f'<INPUT-FORMAT TYPE="SEE">  </INPUT-FORMAT><PEERS><P ID="0">A.html</P></PEERS>'
                    f'<MODELS>{"".join(model_elems)}</MODELS></EVAL>')
            settings = os.path.join(tmp, "settings.xml")
            with open(settings, "w", encoding="utf-8") as f:
                f.write('<ROUGE_EVAL version="1.55">\n' + "\n".join(evals) + "\n</ROUGE_EVAL>\n")
            out = subprocess.run(
                [self._bin, "-e", self._data, "-a", "-n", "2", "-x", "-f", "A", "-d", "-m", "-s", "-t", "2", settings],
                check=True, capture_output=True).stdout.decode("utf-8")
            self.perl_runs += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        counts: dict[int, dict[str, int]] = {}
        for line in out.splitlines():
            m = _PER_EVAL.match(line)
            if m:
                d = counts.setdefault(int(m[2][1:]), {})
                d[f"rouge_{m[1]}_m_count"], d[f"rouge_{m[1]}_p_count"], d[f"rouge_{m[1]}_h_count"] = (
                    int(m[3]), int(m[4]), int(m[5]))
        missing = [n for n in range(len(items)) if len(counts.get(n, ())) != 6]
        if missing:
            raise RuntimeError(f"ROUGE-1.5.5 printed no counts for {len(missing)} of {len(items)} evaluations")
        return {key: counts[n] for n, (key, _) in enumerate(items)}
