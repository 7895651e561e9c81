"""Training the MiniLM name tagger (:mod:`analysis.lang.minilm_tagger`) on CoNLL-2003:
``python -m analysis train entities --tagger minilm``.

Sentence-level token classification: each CoNLL sentence is one input (cut into windows of
at most 128 subtokens), the label (BIO over PER/ORG/LOC/MISC) is read at each word's first
subtoken. All of MiniLM is fine-tuned except its word-embedding matrix (kept frozen so the
artifact can leave it out). AdamW, linear warm-up (10 %) and decay, sentences batched by length
in a fixed shuffle, dropout 0.1, fixed seeds, ``torch.set_num_threads`` threads:
deterministic on one machine.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..lang.minilm_tagger import ARTIFACT, FROZEN, LABELS, build_network, decode, encode_words, pad, save_network, \
    tag_sentences, windows
from ..lang.tagger import DEV_FILE, TRAIN_FILE
from .conll import gold_chunks, read_conll, score

SETTINGS = {
    "seed": 0,
    "epochs": 2,
    "lr": 1e-4,
    "batch_size": 32,
    "warmup": 0.1,
    "weight_decay": 0.01,
    "casing": True,
    "threads": 1,
    "train_files": ["eng.train"],
}


def conll_sentences(path: str | Path) -> list[tuple[list[str], list[str]]]:
    """(words, IOB2 labels) of every sentence of a CoNLL file."""
    result = []
    for document in read_conll(path):
        for words, tags in zip(document.tokens, document.tags):
            labels = ["O"] * len(words)
            for start, end, kind in gold_chunks(tags):
                labels[start] = f"B-{kind}"
                for i in range(start + 1, end):
                    labels[i] = f"I-{kind}"
            result.append((words, labels))
    return result


def _examples(sentences) -> list[tuple]:
    """(ids, case, target per subtoken: label index at first subtokens, -100 elsewhere)."""
    pieces = encode_words([w for w, _ in sentences])
    examples = []
    for (words, labels), p in zip(sentences, pieces):
        for ids, case, positions, offset in windows(words, p):
            target = [-100] * len(ids)
            for k, pos in enumerate(positions):
                if pos >= 0:
                    target[pos] = LABELS.index(labels[offset + k])
            examples.append((ids, case, target))
    return examples


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i:i + chunk], key=lambda j: lengths[j])
        batches += [part[k:k + batch_size] for k in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def evaluate_sentences(net, path: str | Path) -> dict:
    """:func:`~analysis.evaluation.conll.score` of the bare network on a CoNLL file, sentence by sentence."""
    import torch

    sentences = conll_sentences(path)

    def logits_of(ids, mask, case):
        with torch.inference_mode():
            return net(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(case)).numpy()

    predicted = tag_sentences([w for w, _ in sentences], logits_of, batch_size=64)
    gold = {(n, *c) for n, (_, labels) in enumerate(sentences) for c in decode(labels)}
    pred = {(n, *c) for n, labels in enumerate(predicted) for c in decode(labels)}
    return score(gold, pred)


def train(train_files: Sequence[Path], *, dev_file: Path | None = None, out: Path = ARTIFACT,
          epochs: int = SETTINGS["epochs"], seed: int = SETTINGS["seed"], lr: float = SETTINGS["lr"],
          batch_size: int = SETTINGS["batch_size"], casing: bool = SETTINGS["casing"],
          threads: int = SETTINGS["threads"], checkpoints: Path | None = None, log=print) -> dict:
    """Fine-tune MiniLM on CoNLL files; write the artifact to ``out``; return a summary."""
    import torch

    began = time.perf_counter()
    previous_threads = torch.get_num_threads()
    try:
        return _train(train_files, dev_file=dev_file, out=out, epochs=epochs, seed=seed, lr=lr, batch_size=batch_size,
                      casing=casing, threads=threads, checkpoints=checkpoints, log=log, began=began)
    finally:
        torch.set_num_threads(previous_threads)
        torch.use_deterministic_algorithms(False)


def _train(train_files, *, dev_file, out, epochs, seed, lr, batch_size, casing, threads, checkpoints, log,
           began) -> dict:
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)
    sentences = [s for f in train_files for s in conll_sentences(f)]
    examples = _examples(sentences)
    log(f"{len(examples)} training windows, {sum(len(e[0]) for e in examples)} subtokens "
        f"({time.perf_counter() - began:.0f} s)")
    net = build_network(casing=casing)
    net.bert.embeddings.word_embeddings.weight.requires_grad = False
    decay = [p for n, p in net.named_parameters() if p.requires_grad and p.ndim > 1 and n != FROZEN]
    no_decay = [p for n, p in net.named_parameters() if p.requires_grad and p.ndim <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": SETTINGS["weight_decay"]},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    rng = random.Random(seed)
    steps_per_epoch = -(-len(examples) // batch_size)
    total = steps_per_epoch * epochs
    warmup = max(1, int(SETTINGS["warmup"] * total))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    lengths = [len(e[0]) for e in examples]
    history = []
    step = 0
    config = {"casing": casing, "epochs": epochs, "seed": seed, "lr": lr, "batch_size": batch_size,
              "train_files": [Path(f).name for f in train_files]}
    for epoch in range(epochs):
        net.train()
        running, seen = 0.0, 0
        for batch in _batches(lengths, batch_size, rng):
            rows = [examples[i] for i in batch]
            ids, mask, case = (torch.from_numpy(a) for a in pad([(r[0], r[1]) for r in rows]))
            target = torch.full(ids.shape, -100, dtype=torch.long)
            for r, row in enumerate(rows):
                target[r, :len(row[2])] = torch.tensor(row[2])
            logits = net(ids, mask, case)
            loss = loss_fn(logits.reshape(-1, len(LABELS)), target.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            running += loss.item() * len(rows)
            seen += len(rows)
            step += 1
            if step % 50 == 0:
                log(f"epoch {epoch + 1} step {step}/{total} loss {running / seen:.4f} "
                    f"({time.perf_counter() - began:.0f} s)")
        net.eval()
        row = {"epoch": epoch + 1, "loss": round(running / max(1, seen), 4), "seconds": round(time.perf_counter() - began)}
        if checkpoints is not None:
            save_network(net, checkpoints / f"epoch-{epoch + 1}.pt", {**config, "epochs_done": epoch + 1})
        if dev_file is not None:
            s = evaluate_sentences(net, dev_file)
            row["dev"] = {k: s[k]["f1"] for k in ("PER", "ORG", "LOC", "MISC", "micro_PER_ORG_LOC")}
            row["dev_seconds"] = round(time.perf_counter() - began)
        history.append(row)
        log(json.dumps(row))
    save_network(net, out, config)
    data = out.read_bytes()
    # the file's bytes differ between identical runs (torch.save writes a random serialization id);
    # the weights do not: weights_sha256 hashes the saved float16 tensors in name order
    weights = hashlib.sha256()
    for name, tensor in sorted(net.state_dict().items()):
        if name != FROZEN:
            weights.update(name.encode() + tensor.detach().half().numpy().tobytes())
    return {"settings": config, "history": history, "seconds": round(time.perf_counter() - began),
            "artifact": str(out), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "weights_sha256": weights.hexdigest()}


def main_train(argv: Sequence[str] | None = None) -> int:
    """Command line of ``python -m analysis train entities --tagger minilm``."""
    parser = argparse.ArgumentParser(prog="analysis train entities --tagger minilm",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, nargs="+", default=[TRAIN_FILE],
                        help="CoNLL training files (default: eng.train, as the shipped weights)")
    parser.add_argument("--dev", type=Path, default=DEV_FILE, help="CoNLL file scored after each epoch (default eng.testa)")
    parser.add_argument("--out", type=Path, default=ARTIFACT, help="where to write the weights (default: the shipped artifact)")
    parser.add_argument("--checkpoints", type=Path, default=None, help="folder for each epoch's weights (epoch-N.pt)")
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    parser.add_argument("--seed", type=int, default=SETTINGS["seed"])
    parser.add_argument("--lr", type=float, default=SETTINGS["lr"])
    parser.add_argument("--batch-size", type=int, default=SETTINGS["batch_size"])
    parser.add_argument("--threads", type=int, default=SETTINGS["threads"])
    parser.add_argument("--no-casing", action="store_true", help="train without the casing features (ablation)")
    args = parser.parse_args(argv)
    for f in [*args.train, *([args.dev] if args.dev else [])]:
        if not f.is_file():
            print(f"{f}: no such file", file=sys.stderr)
            return 2
    summary = train(args.train, dev_file=args.dev, out=args.out, epochs=args.epochs, seed=args.seed, lr=args.lr,
                    batch_size=args.batch_size, casing=not args.no_casing, threads=args.threads,
                    checkpoints=args.checkpoints, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main_train())
