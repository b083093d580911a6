"""ARC6xx: security."""
