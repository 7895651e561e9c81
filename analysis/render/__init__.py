"""Rendering: notebooks executed by papermill into HTML (one path), per-article reports, sweeps,
and the display helpers the notebooks call.
"""
