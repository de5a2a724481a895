"""``python -m reference_server serve|load``: the same commands as ``jobs-metrics serve|load``
(:mod:`reference_server.cli`)."""

from reference_server.cli import server

if __name__ == "__main__":
    server(prog_name="python -m reference_server")
