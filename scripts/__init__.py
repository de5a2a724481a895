"""The small programs only the Makefile calls, each run one way: ``python -m scripts.<name>``
from the repository root (``make`` does; ``scripts/install_system_packages.sh`` is the one
shell script). Nothing but the tests imports them."""
