"""FleetHeartbeat against one mock serving three accounts: armed together, an arm failure
names what was armed, a lapse on one account is the fleet's lapse and names it."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest

from clob_cancel import CancelClient, HeartbeatLapsedError
from clob_cancel.fleet_heartbeat import FleetArmError, FleetHeartbeat
from clob_cancel_mock import Account, MockServer
from clob_cancel_mock.accounts import generated_accounts

NAMES = ["account-1", "account-2", "account-3"]
DEADLINE = 2.0  # the mock's and the keepers': short, so that a lapse comes soon


MADE: list[CancelClient] = []


@pytest.fixture
def accounts() -> Iterator[tuple[MockServer, dict[str, Account]]]:
    accounts = dict(zip(NAMES, generated_accounts(3), strict=True))
    with MockServer(list(accounts.values()), heartbeat_timeout=DEADLINE) as server:
        yield server, accounts
    while MADE:
        MADE.pop().close()


def clients(url: str, accounts: dict[str, Account]) -> dict[str, CancelClient]:
    made = {name: CancelClient(url, a.creds, a.address, retries=0) for name, a in accounts.items()}
    MADE.extend(made.values())
    return made


def test_every_account_is_armed_and_kept(
    accounts: tuple[MockServer, dict[str, Account]],
) -> None:
    server, named = accounts
    with FleetHeartbeat(clients(server.url, named), interval=0.3, deadline=DEADLINE) as switch:
        switch.wait(timeout=DEADLINE * 1.5)  # longer than the deadline: kept alive meanwhile
        beats = server.heartbeats()
        assert all(beats[a.api_key]["armed"] for a in named.values())
        assert all(beats[a.api_key]["lapses"] == 0 for a in named.values())
    assert switch.lapsed_accounts == []


def test_one_account_failing_to_arm_names_the_ones_armed(
    accounts: tuple[MockServer, dict[str, Account]],
) -> None:
    server, named = accounts
    broken = {**named, "account-2": attrs.evolve(named["account-2"], passphrase="wrong")}
    switch = FleetHeartbeat(clients(server.url, broken), interval=0.3, deadline=DEADLINE)
    with pytest.raises(FleetArmError) as caught:
        switch.start()
    assert list(caught.value.errors) == ["account-2"]
    assert caught.value.errors["account-2"].status == 401
    assert caught.value.armed == ["account-1", "account-3"]
    assert "armed, then stopped: account-1, account-3" in str(caught.value)
    assert named["account-1"].secret not in str(caught.value)


def test_a_lapse_on_one_account_is_the_fleets_and_names_it(
    accounts: tuple[MockServer, dict[str, Account]],
) -> None:
    server, named = accounts
    told: list[str] = []
    switch = FleetHeartbeat(
        clients(server.url, named),
        interval=0.3,
        deadline=DEADLINE,
        on_lapse=lambda name, error: told.append(name),
    )
    with pytest.raises(HeartbeatLapsedError, match="no heartbeat accepted"), switch:
        server.set_faults(
            {
                "operations": ["send_heartbeat"],
                "status": 503,
                "api_keys": [named["account-2"].api_key],
            }
        )
        with pytest.raises(HeartbeatLapsedError) as caught:
            switch.wait(timeout=DEADLINE * 5)
        assert "account account-2" in caught.value.__notes__
        assert switch.lapsed_accounts == told == ["account-2"]
        assert switch.keepers["account-1"].lapse is None
        assert switch.keepers["account-3"].lapse is None
        with pytest.raises(HeartbeatLapsedError):
            switch.check()
        server.set_faults({})
    # leaving the block stops every keeper and raises the lapse again, as a keeper does
    assert all(k.lapse is None for n, k in switch.keepers.items() if n != "account-2")
