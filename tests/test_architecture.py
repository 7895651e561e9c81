"""The package's layers, the one id scheme, and the table declarations shared by DataFrames and Parquet."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import analysis
from analysis.io.expand import article_refs, split_ref
from analysis.render.numbers import format_number

PACKAGE = Path(analysis.__file__).parent
BASE = {"config", "errors", "types", "fileio", "schema", "params"}
#: layer -> the layers its modules may import (besides their own and the base)
MAY_IMPORT = {
    "base": set(),
    "io": set(),
    "lang": {"io"},
    "articles": {"io", "lang"},
    "render": {"io", "lang", "articles"},
    "corpus": {"io", "lang", "articles"},  # + render, from corpus/cli.py only
    "evaluation": {"io", "lang", "articles", "corpus"},  # a scorer may score a corpus pass
}


def _layer(module: str) -> str:
    """``analysis.io.ingest`` -> ``io``; ``analysis.errors`` -> ``base``."""
    parts = module.split(".")
    if len(parts) == 2:
        return "base" if parts[1] in BASE else parts[1]
    return parts[1]


def _imports(path: Path) -> set[str]:
    """Absolute names of the analysis modules a file imports (relative imports resolved)."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("analysis"):
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
                found.update(names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("analysis"))
    return found


def _modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p.name not in {"__init__.py", "__main__.py"}]


def test_no_module_imports_a_higher_layer():
    wrong = []
    for path in _modules():
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        own = _layer(".".join(rel.parts))
        allowed = {own, "base"} | MAY_IMPORT[own] | ({"render"} if rel.as_posix() == "analysis/corpus/cli" else set())
        for target in _imports(path):
            if target.count(".") == 0:
                continue
            if _layer(target) not in allowed:
                wrong.append(f"{rel.as_posix()} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_every_module_is_in_a_known_layer():
    layers = {_layer(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)) for p in _modules()}
    assert layers <= set(MAY_IMPORT), layers - set(MAY_IMPORT)


def test_loading_an_article_does_not_import_spacy():
    code = ("import sys, analysis.io.ingest, analysis.io.expand; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'torch') or m.startswith('analysis.lang')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.replace("'", '"')) == []


def test_the_corpus_driver_imports_no_model_library():
    """The corpus driver plans, keeps and writes tables: it needs the tables' schemas, not the
    analyses. Importing spaCy, torch and matplotlib there cost 3-10 s on every run."""
    code = ("import sys, analysis.corpus.cli, analysis.corpus.runner, analysis.corpus.kept, analysis.corpus.tables, "
            "analysis.corpus.identity, analysis.articles.columns; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'spacy', 'thinc', 'torch', 'matplotlib', 'textblob'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.replace("'", '"')) == []


def test_jsonl_references_are_file_line_numbers(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"title": "A", "text": "One."}\n\n{"title": "B", "text": "Two."}\n', encoding="utf-8")
    (tmp_path / "c.txt").write_text("C\n\nThree.\n", encoding="utf-8")
    refs = article_refs([tmp_path])
    assert refs == [f"{batch}:1", f"{batch}:3", str(tmp_path / "c.txt")]  # the blank line 2 shifts nothing
    assert split_ref(refs[1]) == (str(batch), 3) and split_ref(refs[2]) == (refs[2], None)


def test_corpus_ids_follow_the_same_scheme(tmp_path):
    from analysis.corpus.runner import corpus_items

    (tmp_path / "t").mkdir()
    batch = tmp_path / "t" / "batch.jsonl"
    batch.write_text("\n".join(['{"text": "x"}'] * 11), encoding="utf-8")
    (tmp_path / "t" / "a.txt").write_text("A\n\nx\n", encoding="utf-8")
    items = corpus_items(article_refs([tmp_path]))
    ids = [i for i, _ in items]
    assert ids[0] == "a.txt" and ids[1:4] == ["batch.jsonl:1", "batch.jsonl:2", "batch.jsonl:3"]
    assert ids[-1] == "batch.jsonl:11"  # numeric order, not "batch.jsonl:10" < "batch.jsonl:2"


def test_table_declarations_give_dataframe_columns_and_parquet_schemas():
    from analysis.articles.chronology import TIMELINE_COLUMNS, TIMEXES
    from analysis.articles.entities import MENTION_COLUMNS, MENTIONS
    from analysis.articles.quotes import QUOTE_COLUMNS, QUOTES
    from analysis.articles.sentiment import SENTENCE_COLUMNS, SENTENCES
    from analysis.corpus.tables import TABLES, schemas

    for table, columns in ((SENTENCES, SENTENCE_COLUMNS), (MENTIONS, MENTION_COLUMNS), (TIMEXES, TIMELINE_COLUMNS),
                           (QUOTES, QUOTE_COLUMNS)):
        assert table.names == columns
        assert TABLES[table.name] is table
        assert schemas()[table.name].names == columns
    assert str(schemas()["timexes"].field("date").type) == "timestamp[us]"
    assert all(c.meaning for t in TABLES.values() for c in t.columns)


def test_mention_records_hold_only_the_declared_columns():
    from analysis.articles.entities import MENTION_COLUMNS, entity_mentions, mention_records
    from analysis.types import Article

    art = Article(id="a", title="Putin visits Paris", paragraphs=("Vladimir Putin met Emmanuel Macron in Paris.",))
    assert list(mention_records(art)) == MENTION_COLUMNS
    assert entity_mentions(art).attrs["n_sentences"] == {"a": 2}


@pytest.mark.parametrize("value, shown", [(21.0, "21"), (0.123456, "0.1235"), (float("nan"), ""), (None, ""),
                                          (True, "True"), (3, "3"), ("x", "x"), (12.3456, "12.35")])
def test_one_number_formatter(value, shown):
    assert format_number(value) == shown
