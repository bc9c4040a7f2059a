"""Issue 25: the summary is true when interrupted, mistyped, slow or retried."""
