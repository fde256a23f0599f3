"""Schemes in the database: imported, checked, published (then immutable), cloned, compared."""
