"""Shared fixtures: the spec as data, so tests assert against the contract itself."""

from typing import Any

import pytest
import yaml

from clob_cancel.spec import spec_path


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    with spec_path().open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded
