"""The repository's own tests of the shipped conformance suite (clob_cancel_conformance)."""
