"""chaffra-lsp"""
