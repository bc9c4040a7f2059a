"""The maintainer's tools for this repository (run from a checkout; not shipped in the wheel)."""
