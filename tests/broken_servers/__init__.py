"""The proof that the conformance suite catches bugs: broken mock variants and the test that
runs the suite against each of them."""
