"""The defaults the client and the CLI share, in one dependency-free module: the CLI reads them
for its help text without importing httpx, and neither keeps a copy that could drift."""

from __future__ import annotations

POLYMARKET_CLOB_URL = "https://clob.polymarket.com"
"""The public CLOB (the CLI's ``--url polymarket``); never a default: the URL is always given."""
MAX_IDS_PER_REQUEST = 1000
"""DELETE /orders' limit since 2026-06-15 (3000 before): Polymarket's changelog and the spec."""
TIMEOUT_SECONDS = 10.0
"""Seconds to wait to read, write or for a pooled connection (``DEFAULT_TIMEOUT``)."""
CONNECT_TIMEOUT_SECONDS = 5.0
"""Seconds to wait to connect (``DEFAULT_TIMEOUT``)."""
RETRIES = 4
"""How many times a retryable cancel is sent again (``RetryPolicy.retries``)."""
RETRY_BUDGET_SECONDS = 20.0
"""No retry starts whose wait would end later than this after the first attempt began."""
HEARTBEAT_INTERVAL = 5.0
"""Seconds between heartbeats, as Polymarket advises."""
HEARTBEAT_DEADLINE = 10.0
"""Seconds without an accepted heartbeat after which the server cancels (docs: 10 s, "with up to
a 5-second buffer"; the keeper counts the 10 s, from when each accepted send left)."""
POLYGON = 137
"""Polygon mainnet's chain id, the CLOB's (signed into L1 requests)."""
AMOY = 80002
"""Polygon's Amoy testnet chain id."""
