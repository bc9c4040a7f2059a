"""L2 authentication: the five POLY_* headers and the HMAC over the exact request, each check a
method of its own so that a broken-server variant overrides one (``timestamp_ok``,
``signature_ok``, ...). A mixin of :class:`~clob_cancel_mock.clob.MockClob`, which holds the
accounts, as :class:`~clob_cancel_mock.l1keys.L1Operations` is for L1; a module of its own because
who may act is a job apart from what the operations do."""

from __future__ import annotations

import hmac
import re

from starlette.requests import Request

from clob_cancel.signing import ApiCreds, l2_signature

from .accounts import Account
from .wire import ApiError, poly_headers, repeated_poly_header

_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class L2Authentication:
    """Which account a request is signed for, or 401; every check must pass."""

    UNAUTHORIZED = "Unauthorized/Invalid api key"

    timestamp_window: float
    _accounts: dict[str, tuple[Account, ApiCreds]]

    def now(self) -> float:
        raise NotImplementedError

    def authenticate(self, request: Request, body: bytes) -> Account:
        """The account a request is signed for, or 401. Every check must pass."""
        repeated = repeated_poly_header(request)
        if repeated is not None:
            raise ApiError(401, f"{self.UNAUTHORIZED}: {repeated} sent more than once")
        headers = poly_headers(request)
        api_key = headers.get("poly_api_key")
        address = headers.get("poly_address")
        passphrase = headers.get("poly_passphrase")
        timestamp = headers.get("poly_timestamp")
        signature = headers.get("poly_signature")
        if not (api_key and address and passphrase and timestamp and signature):
            raise ApiError(401, self.UNAUTHORIZED)
        entry = self.account_for(api_key)
        if entry is None:
            raise ApiError(401, self.UNAUTHORIZED)
        account, creds = entry
        if not (
            self.passphrase_ok(passphrase, account)
            and self.address_ok(address, account)
            and self.timestamp_ok(timestamp)
            and self.signature_ok(
                creds, timestamp, request.method, request.scope["path"], body, signature
            )
        ):
            raise ApiError(401, self.UNAUTHORIZED)
        return account

    def account_for(self, api_key: str) -> tuple[Account, ApiCreds] | None:
        return self._accounts.get(api_key)

    def passphrase_ok(self, passphrase: str, account: Account) -> bool:
        return _same(passphrase, account.passphrase)

    def address_ok(self, address: str, account: Account) -> bool:
        return address.lower() == account.address.lower()

    def timestamp_ok(self, timestamp: str) -> bool:
        if not _TIMESTAMP.fullmatch(timestamp):
            return False
        return abs(self.now() - int(timestamp)) <= self.timestamp_window

    def signature_ok(
        self, creds: ApiCreds, timestamp: str, method: str, path: str, body: bytes, signature: str
    ) -> bool:
        """HMAC over timestamp + method + path + the exact body bytes, nothing else: accepting
        the quote-replaced form too would let a captured signature cover another body."""
        return _same(signature, l2_signature(creds, timestamp, method, path, body))


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
