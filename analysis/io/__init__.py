"""Reading and cleaning: files, folders, globs and JSON Lines into cleaned :class:`~analysis.types.Article` records.

No language model is loaded here: loading a text file never imports spaCy.
"""
