"""Test packages. A package (not loose files) so that `tests.conformance.hooks` has one import
name for pytest, the schemathesis CLI (schemathesis.toml `hooks`) and mypy alike."""
