from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RateLimitTierResponse")


@_attrs_define
class RateLimitTierResponse:
    """The signer's rate-limit tier (`GET /v1/user/rate-limit-tier`). Only `tier` is described
    here, and its name is not confirmed by a published source (see the operation); other
    fields may be present.

        Attributes:
            tier (None | str | Unset): The tier's name as `Poly-RateLimit-Tier` gives it (`Standard`, `Copper`, `Bronze`,
                `Silver`, `Gold`, `Platinum`, `Diamond`, `Elite`), or a name a client does not know
                (the mock says `custom` for a limit set by numbers). `null`: no tier applies (the
                mock, for a signer it does not rate-limit); the CLOB always has one.
    """

    tier: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tier: None | str | Unset
        if isinstance(self.tier, Unset):
            tier = UNSET
        else:
            tier = self.tier

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if tier is not UNSET:
            field_dict["tier"] = tier

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_tier(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        tier = _parse_tier(d.pop("tier", UNSET))

        rate_limit_tier_response = cls(
            tier=tier,
        )

        rate_limit_tier_response.additional_properties = d
        return rate_limit_tier_response

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
