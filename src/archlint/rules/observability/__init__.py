"""ARC5xx: observability."""
