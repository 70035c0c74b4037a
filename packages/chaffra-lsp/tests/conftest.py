"""The chaffra-lsp tests hold their fixtures in their own module."""
