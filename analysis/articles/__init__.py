"""Per-article analyses: each takes an :class:`~analysis.types.Article` first and returns a tidy DataFrame
(or the same columns as plain lists, ``*_records``, for the corpus runner), plus plots and alt texts.
"""
