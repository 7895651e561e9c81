"""News article analysis: ingestion, cleaning, sentiment, entities, timeline."""
