"""Breaking-change classification between two versions of the OpenAPI spec.

No maintained Python library does this (oasdiff is Go), so this is a focused rule set for
the constructs this toolkit's spec uses. ``$ref`` s are resolved first, then operations,
parameters, bodies, responses and schemas are compared, and every change is classified
for clients (code written against the old spec, talking to a new server) and for servers
(implementations of the old spec, checked against the new one).
"""

from specdiff.rules import Change, Impact, diff_specs

__all__ = ["Change", "Impact", "diff_specs"]
