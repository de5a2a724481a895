"""The small programs the Makefile calls."""
