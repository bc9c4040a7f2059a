from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ApiCredentials")


@_attrs_define
class ApiCredentials:
    """L2 API credentials. `secret` is urlsafe-base64; keep it and `passphrase` secret.

    Attributes:
        api_key (str):
        secret (str):
        passphrase (str):
    """

    api_key: str
    secret: str
    passphrase: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        api_key = self.api_key

        secret = self.secret

        passphrase = self.passphrase

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "apiKey": api_key,
                "secret": secret,
                "passphrase": passphrase,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        api_key = d.pop("apiKey")

        secret = d.pop("secret")

        passphrase = d.pop("passphrase")

        api_credentials = cls(
            api_key=api_key,
            secret=secret,
            passphrase=passphrase,
        )

        api_credentials.additional_properties = d
        return api_credentials

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
