"""The corpus layer: Dask runs over many articles into Parquet tables, and the readers the corpus notebook uses."""
