"""Unit tests (a package, so that the client tests share client_fakes by relative import)."""
