"""Evaluation of the analyses on public gold data (scorers print JSON)."""
