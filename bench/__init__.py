"""The benchmark of issue 7: our cancel client against py-clob-client and the floors below both.

Its own top-level folder because it is neither a test (it asserts nothing, takes minutes and
wants a quiet machine) nor part of the shipped distribution (the wheel packages only
generated/clob_cancel_client and overlay/clob_cancel). Run it with `make bench`.
"""
