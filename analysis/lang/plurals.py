"""When a name word reads as a plural, and its singular: one rule for the corpus identity pass
(:mod:`analysis.corpus.identity`: "Oscars" is "Oscar", "Tories" is "Tory") and the ECB+ pair model
(:mod:`analysis.evaluation.coref_pairs`: "Colts" / "Indianapolis Colt").

Hand-written: no installed library singularises proper nouns (spaCy lemmatises a PROPN to itself, and
``inflect`` is not a dependency); the rule is deliberately narrow.
"""
from __future__ import annotations


def singulars(word: str) -> tuple[str, ...]:
    """The singulars a lower-cased plural name word may have, the "-ies" reading first ("tories": "tory",
    "torie"; "oscars": "oscar"); ``()`` for a word that is no plural here: no final "s", a final "ss"
    ("ross"), or three letters or fewer ("bus")."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return ()
    return ((word[:-3] + "y",) if word.endswith("ies") else ()) + (word[:-1],)
