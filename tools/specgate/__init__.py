"""Gate spec changes: `spec-diff` (breaking changes against a git ref) and `drift` (against
Polymarket's published OpenAPI document). Run as `python -m tools.specgate`; see openapi/README.md.
"""
