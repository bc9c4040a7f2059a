from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CancelOrdersResponseNotCanceled")


@_attrs_define(eq=False)
class CancelOrdersResponseNotCanceled(Mapping[str, str]):
    """For each id that could not be canceled, the reason.

    Example:
        {'0xaaaa': 'Order not found or already canceled'}

    """

    additional_properties: dict[str, str] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cancel_orders_response_not_canceled = cls()

        cancel_orders_response_not_canceled.additional_properties = d
        return cancel_orders_response_not_canceled

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> str:
        return self.additional_properties[key]

    def __len__(self) -> int:
        return len(self.additional_properties)

    def __iter__(self) -> Iterator[str]:
        return iter(self.additional_properties)

    def __contains__(self, key: object) -> bool:
        return key in self.additional_properties

    def keys(self) -> KeysView[str]:
        return self.additional_properties.keys()

    def items(self) -> ItemsView[str, str]:
        return self.additional_properties.items()

    def values(self) -> ValuesView[str]:
        return self.additional_properties.values()
