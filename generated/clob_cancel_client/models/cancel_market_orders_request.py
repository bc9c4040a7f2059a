from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CancelMarketOrdersRequest")


@_attrs_define
class CancelMarketOrdersRequest:
    """The body of `DELETE /cancel-market-orders`; an omitted or empty field does not filter.

    Attributes:
        market (str | Unset): Condition id of the market. Example:
            0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af.
        asset_id (str | Unset): Id of the asset (outcome token). Example:
            52114319501245915516055106046884209969926127482827954674443846427813813222426.
    """

    market: str | Unset = UNSET
    asset_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        market = self.market

        asset_id = self.asset_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if market is not UNSET:
            field_dict["market"] = market
        if asset_id is not UNSET:
            field_dict["asset_id"] = asset_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        market = d.pop("market", UNSET)

        asset_id = d.pop("asset_id", UNSET)

        cancel_market_orders_request = cls(
            market=market,
            asset_id=asset_id,
        )

        cancel_market_orders_request.additional_properties = d
        return cancel_market_orders_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
