"""Names the client and the server share, in a module that imports nothing (the Python API
must not load the server to talk to it)."""

from __future__ import annotations

# Where the control API lives on the stand-in's port (the spec's operations have every
# other path).
CONTROL_PREFIX = "/_stand-in/"
CONTROL_TOKEN_HEADER = "X-Stand-In-Token"
# The environment the worker reads the stand-in's own options from (the reference server's
# settings travel as JOBS_METRICS_*, written by ``Settings.export``).
ENV_CONTROL_TOKEN = "STAND_IN_CONTROL_TOKEN"
ENV_SCRIPT = "STAND_IN_SCRIPT"
ENV_CONTROL_SOCKET = "STAND_IN_CONTROL_SOCKET"
# What the command (a trial bind) or the worker says when its control socket cannot be bound
# (``StandIn.start`` then starts one without: the calls go over HTTP).
CONTROL_SOCKET_FAILED = "cannot serve --control-socket"
# The line the worker prints when it serves (the command's URL).
ENV_ANNOUNCE = "STAND_IN_ANNOUNCE"
APP_FACTORY = "jobs_metrics_stand_in.server:create_stand_in_app"
# The script entry ids a client may choose (the control API's ``EntryIn.id``): ``c1``, ``c2``,
# ... Never one the stand-in gives itself (``e1``, ``e2``, ...).
CLIENT_ENTRY_ID = r"^c[1-9][0-9]{0,18}$"
# The control API's version (``info.version`` of openapi/stand-in.openapi.yaml, held equal by a
# test), in its health answer: a client sends script calls without waiting (ids its own, the
# stand-in reading its socket before routing a request) only to a stand-in of 0.2.0 or later.
CONTROL_API_VERSION = "0.2.0"
ORDERED_SCRIPT_CALLS_SINCE = (0, 2)
