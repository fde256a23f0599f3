"""The audit trail: every change, who, when, from where, old → new, why. Append-only."""
