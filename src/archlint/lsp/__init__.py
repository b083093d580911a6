"""`archlint server`: the language server (extra `archlint[lsp]`, pygls 2)."""
