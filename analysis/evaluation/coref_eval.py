"""``python -m analysis evaluate coref FOLDER``: ECB+ entity cross-document coreference, scored.

Scores the pair model (:mod:`analysis.evaluation.coref_pairs`, the ``system``), the rule
resolver and the same-head-lemma baseline (:mod:`analysis.evaluation.coref`) on the same gold
mentions; the setup and the JSON it prints are described in :mod:`analysis.evaluation.coref`.
This module sits above both, so neither imports the other's caller.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import AnalysisError
from .coref import DOC_THRESHOLD, baseline_clusters, document_clusters, mention_info, score_all_and_names, system_clusters
from .coref_pairs import pair_clusters
from .ecbplus import load_ecbplus, topics_of


def evaluate(folder: str | Path, *, topics: str = "test", predictions: str | Path | None = None,
             doc_threshold: float = DOC_THRESHOLD, name_variants: bool = False, rules_only: bool = False,
             model: dict | None = None, encoder=None) -> dict:
    """Score the system and the baseline on ECB+ (see the module docstring). ``model``, ``encoder``: the
    pair model and mention encoder (:func:`coref_pairs.fit`), the shipped ones unless given."""
    docs, mentions = load_ecbplus(folder, topics=topics_of(topics))
    if not mentions:
        raise AnalysisError(f"{folder}: no entity mention in the validated sentences of topics {topics}")
    infos = mention_info(docs, mentions)
    doc_cluster = document_clusters(docs, threshold=doc_threshold)
    rule_labels = system_clusters(infos, doc_cluster, names=name_variants)
    sys_labels = rule_labels if rules_only else pair_clusters(docs, mentions, infos, doc_cluster, rule_labels, model=model,
                                                                 encoder=encoder)
    base_labels = baseline_clusters(infos, doc_cluster)
    flat_labels = baseline_clusters(infos, dict.fromkeys(doc_cluster, 0))  # same head lemma across all documents
    result = {
        "data": str(folder), "topics": topics, "documents": len(docs), "mentions": len(mentions),
        "name_mentions": sum(m.is_name for m in infos), "document_clusters": len(set(doc_cluster.values())),
        **score_all_and_names(mentions, infos, {"system": sys_labels, "baseline": base_labels, "rules": rule_labels,
                                                "baseline_no_clusters": flat_labels}),
    }
    if predictions:
        with open(predictions, "w", encoding="utf-8") as fh:
            for m, label in zip(mentions, sys_labels):
                fh.write(json.dumps({"doc": m.doc, "m_id": m.m_id, "cluster": f"c{label}", "gold": m.gold}) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis evaluate coref",
                                     description="ECB+ entity cross-document coreference (prints JSON)")
    parser.add_argument("folder", help="the ECB+ folder (topic folders and *_coreference_sentences.csv)")
    parser.add_argument("--topics", default="test", choices=["test", "dev", "train", "all"],
                        help="topics to score (default: test, topics 36-45)")
    parser.add_argument("--predictions", help="write one JSON line per mention (doc, m_id, cluster, gold) here")
    parser.add_argument("--name-variants", action="store_true",
                        help="ablation: split person names that share a head word but not a first name")
    parser.add_argument("--rules", action="store_true",
                        help="system = the rule resolver alone (no pair model; it is always reported under 'rules')")
    args = parser.parse_args(argv)
    try:
        result = evaluate(args.folder, topics=args.topics, predictions=args.predictions, name_variants=args.name_variants,
                          rules_only=args.rules)
    except AnalysisError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=1))
    return 0
