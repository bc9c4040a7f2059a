"""The regeneration pipeline itself: a spec edit must make `make check-generated` fail."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_check_generated_names_the_stale_files(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "openapi" / "clob-cancel.yaml").read_text(encoding="utf-8"))
    spec["components"]["schemas"]["CancelMarketOrdersRequest"]["properties"]["side"] = {
        "type": "string",
        "description": "A field the committed generated/ does not know.",
    }
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")

    stale = subprocess.run(
        ["make", "-s", "check-generated", f"SPEC={edited}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stale.returncode != 0
    assert "generated/ is stale" in stale.stdout
    named = [line.strip() for line in stale.stdout.splitlines() if ".py" in line]
    assert named == ["generated/clob_cancel_client/models/cancel_market_orders_request.py"]

    fresh = subprocess.run(
        ["make", "-s", "check-generated"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "up to date" in fresh.stdout
