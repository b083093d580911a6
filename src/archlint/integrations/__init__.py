"""Front doors other tools open: the flake8 plugin. They sit beside the CLI (same layer)."""
