"""Language processing: the cached spaCy parse, document-level named entities, TIMEX3 extraction.

Modules here work on a spaCy ``Doc`` or raw text; they know nothing of articles, tables or notebooks.
"""
