"""Results: sums in the database, the rules per cycle, adjustments, components, published snapshots."""
