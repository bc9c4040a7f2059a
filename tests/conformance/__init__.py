"""The conformance suite: schemathesis contract tests that prove a CLOB server honours the cancel
contract (openapi/clob-cancel.yaml). Importing this package registers nothing; importing
`tests.conformance.hooks` registers the signing auth, the custom checks and the hooks."""
