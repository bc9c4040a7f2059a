"""The cancel-contract conformance suite: schemathesis contract tests that prove a CLOB server
honours the cancel contract (the spec shipped as clob_cancel/openapi/clob-cancel.yaml), run by
`clob-cancel-conformance`. Importing this package registers nothing; importing
`clob_cancel_conformance.hooks` registers the signing auth, the custom checks and the hooks."""
