"""Reader of the ECB+ corpus (CAT XML + the validated-sentences CSV), standard split.

``../shared/data/ecbplus/SOURCE.md`` documents the layout. :func:`load_ecbplus` keeps what the
"Cybulska setup" (Barhom et al. 2019) evaluates: the entity mentions (every tag that is not an
``ACTION``/``NEG_ACTION``) whose first token lies in a validated sentence, with their gold cluster
(the CROSS_DOC_COREF ``note``, else a document-local INTRA_DOC_COREF chain, else a singleton).
"""
from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParameterError

#: The standard split (SOURCE.md): Cybulska & Vossen 2015 train/test, Kenyon-Dean et al. 2018 dev.
SPLITS = {
    "train": (1, 3, 4, 6, 7, 8, 9, 10, 11, 13, 14, 16, 19, 20, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33),
    "dev": (2, 5, 12, 18, 21, 23, 34, 35),
    "test": (36, 37, 38, 39, 40, 41, 42, 43, 44, 45),
}

_DOC_NAME = re.compile(r"(\d+)_(\d+)(ecb|ecbplus)\.xml$")


@dataclass
class EcbDocument:
    """One XML document: its tokens (``t_id`` order) and gold entity mentions in validated sentences."""

    name: str  # "36_1ecb.xml"
    topic: int
    subtopic: str  # "36ecb" / "36ecbplus" (gold; the system does not read it)
    words: list[str]
    sentences: list[int]  # sentence number of each token
    validated: set[int]
    mentions: list[dict] = field(default_factory=list)


@dataclass
class EcbMention:
    doc: str
    m_id: str
    tag: str
    tokens: list[int]  # 0-based token indices in the document (t_id - 1), sorted
    sentence: int
    text: str
    gold: str


def validated_sentences(csv_path: Path) -> dict[str, set[int]]:
    """``{"36_1ecb": {1, 2}, ...}`` from ``ECBplus_coreference_sentences.csv``."""
    out: dict[str, set[int]] = {}
    with open(csv_path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            topic, name, sent = row["Topic"].strip(), row["File"].strip(), row["Sentence Number"].strip()
            out.setdefault(f"{topic}_{name}", set()).add(int(sent))
    return out


def topics_of(selection: str) -> tuple[int, ...] | None:
    """Topic numbers of ``test``/``dev``/``train``/``train+dev``; None for ``all``."""
    if selection == "all":
        return None
    if selection == "train+dev":
        return SPLITS["train"] + SPLITS["dev"]
    if selection not in SPLITS:
        raise ParameterError(f"--topics must be one of test, dev, train, train+dev, all (got {selection!r})")
    return SPLITS[selection]


def _is_entity(tag: str) -> bool:
    return not (tag.startswith("ACTION") or tag.startswith("NEG_ACTION"))


def read_document(path: Path, validated: set[int]) -> tuple[EcbDocument, list[EcbMention]]:
    """One CAT XML file → the document and its entity mentions in validated sentences."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise ParameterError(f"{path}: not readable CAT XML ({err})") from err
    m = _DOC_NAME.search(path.name)
    if not m:
        raise ParameterError(f"{path}: file name is not <topic>_<n>ecb[plus].xml")
    topic = int(m.group(1))
    tokens = sorted(((int(t.get("t_id")), int(t.get("sentence")), t.text or "") for t in root.iter("token")))
    index = {tid: i for i, (tid, _, _) in enumerate(tokens)}
    doc = EcbDocument(path.name, topic, f"{topic}{m.group(3)}", [w for _, _, w in tokens], [s for _, s, _ in tokens], validated)
    markables = root.find("Markables")
    mentions: dict[str, EcbMention] = {}
    instances: dict[str, str] = {}
    for el in (markables if markables is not None else []):
        anchors = sorted({index[int(a.get("t_id"))] for a in el.findall("token_anchor") if int(a.get("t_id")) in index})
        if not anchors:
            instances[el.get("m_id")] = el.get("instance_id") or ""
            continue
        if not _is_entity(el.tag):
            continue
        sent = doc.sentences[anchors[0]]
        if sent not in validated:
            continue
        mid = el.get("m_id")
        mentions[mid] = EcbMention(path.name, mid, el.tag, anchors, sent, " ".join(doc.words[i] for i in anchors), "")
    relations = root.find("Relations")
    for rel in (relations if relations is not None else []):
        target = rel.find("target")
        if target is None:
            continue
        if rel.tag == "CROSS_DOC_COREF":
            cluster = rel.get("note") or instances.get(target.get("m_id"), "")
        elif rel.tag == "INTRA_DOC_COREF":
            cluster = f"{path.name}:intra:{rel.get('r_id')}"
        else:
            continue
        for src in rel.findall("source"):
            men = mentions.get(src.get("m_id"))
            if men is not None and cluster:
                men.gold = cluster
    for men in mentions.values():
        if not men.gold:
            men.gold = f"{path.name}:single:{men.m_id}"
    return doc, sorted(mentions.values(), key=lambda x: (x.tokens[0], x.tokens[-1], int(x.m_id)))


def load_ecbplus(folder: str | Path, *, topics: tuple[int, ...] | None = None) -> tuple[list[EcbDocument], list[EcbMention]]:
    """Documents (with at least one validated sentence) and gold entity mentions of ``topics``.

    Args:
        folder: the ECB+ folder (topic folders ``1/ … 45/`` and ``*_coreference_sentences.csv``).
        topics: topic numbers to read (default: every topic folder present).

    Raises:
        ParameterError: no sentence CSV, or no topic folder, or an unreadable file.
    """
    root = Path(folder)
    csvs = sorted(root.glob("*_coreference_sentences.csv"))
    if not root.is_dir() or not csvs:
        raise ParameterError(f"{root}: not an ECB+ folder (no *_coreference_sentences.csv beside the topic folders)")
    validated = validated_sentences(csvs[0])
    folders = sorted((p for p in root.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))
    if topics is not None:
        folders = [p for p in folders if int(p.name) in set(topics)]
    if not folders:
        raise ParameterError(f"{root}: no topic folder for the topics asked for")
    docs, mentions = [], []
    for folder_ in folders:
        for path in sorted(folder_.glob("*.xml"), key=lambda p: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", p.name)]):
            sents = validated.get(path.name[:-4], set())
            if not sents:
                continue
            doc, ments = read_document(path, sents)
            docs.append(doc)
            mentions.extend(ments)
    return docs, mentions
