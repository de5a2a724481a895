"""The spec diff (specdiff): one valid and one invalid case per rule, the CLI and its exits."""
