from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.cancel_orders_response_not_canceled import CancelOrdersResponseNotCanceled

T = TypeVar("T", bound="CancelOrdersResponse")


@_attrs_define
class CancelOrdersResponse:
    """The answer of every cancel operation.

    Attributes:
        canceled (list[str]): The ids of the orders canceled by this request.
        not_canceled (CancelOrdersResponseNotCanceled): For each id that could not be canceled, the reason. Example:
            {'0xaaaa': 'Order not found or already canceled'}.
    """

    canceled: list[str]
    not_canceled: CancelOrdersResponseNotCanceled
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        canceled = self.canceled

        not_canceled = self.not_canceled.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "canceled": canceled,
                "not_canceled": not_canceled,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        canceled = cast(list[str], d.pop("canceled"))

        not_canceled = CancelOrdersResponseNotCanceled.from_dict(d.pop("not_canceled"))

        cancel_orders_response = cls(
            canceled=canceled,
            not_canceled=not_canceled,
        )

        cancel_orders_response.additional_properties = d
        return cancel_orders_response

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
