"""The fuzz harness' self-test: fault-injected variants of the reference server, each breaking
one ``x-contract`` rule, and the run that requires the harness to catch every one of them
(``make fuzz-selftest``, ``tests/contract/test_fuzz_selftest.py``).

Test support, not product: the toolkit's wheel does not ship it (``pyproject.toml`` lists the
packages it ships). It sits beside ``scripts`` and ``bench`` in ARCHITECTURE.md's layers and
may use the harness' and the server's modules directly.

- ``faults``: every fault as data (its name, the rule it breaks, what it does);
- ``fault_server``: ``python -m fuzz_selftest.fault_server serve --fault NAME``;
- ``selftest``: the run over every fault and the correct server; ``cli``: its command.
"""
