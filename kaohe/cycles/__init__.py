"""Assessment cycles: tasks generated from a published scheme, scores, submissions and review."""
