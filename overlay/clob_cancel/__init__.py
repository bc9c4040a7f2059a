"""clob-cancel: cancel orders on the Polymarket CLOB safely.

The requests themselves are built by the generated package `clob_cancel_client`; this package is
the small hand-written layer around it (signing, credentials, retries, chunking, typed errors).
"""

__version__ = "0.1.0"
