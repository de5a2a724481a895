"""What ``schemathesis.toml`` loads in the ``st`` process: this API's hook and check.

schemathesis loads extensions by importing the module its configuration names; this module
exists so that the registration happens there, by configuration, and never as a side effect
of importing :mod:`fuzz_harness` or :mod:`fuzz_harness.hooks` elsewhere.
"""

from fuzz_harness.hooks import register

register()
