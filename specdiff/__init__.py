"""Breaking-change classification between two versions of an OpenAPI spec.

Layers, each a module: ``rules`` (every rule id as a ``RuleId`` constant), ``catalogue``
(every rule with its impact on clients and servers, the one table, keyed by them),
``inputs`` (reading a version, and checking it has the shape specdiff reads before any
comparison), ``effects`` (what a keyword's change does to the allowed values; ``patterns``
compares regular expressions as automata, in a child interpreter with a time budget),
``normalize`` (one written form per meaning: allOf merged, const, integer bounds, nullable),
``schemas`` (schemas compared recursively), ``evidence`` (each part's findings checked
against the instances ``witness`` finds that one version accepts and the other refuses:
the witness wins), one module per part of an operation
(``security``, ``parameters``, ``bodies``, ``responses``, ``contract``; ``document`` for
servers and tags; ``lifecycle`` for deprecation and names) walked by ``operations``
(``diff_specs``) with ``pairing``; ``migration`` (an operation compared with the one its
``x-replaces`` names, response bodies matched by meaning in ``envelopes``), ``waivers``
(accepted changes, each with its reason and an optional expiry), ``policy`` (the versioning
policy, ``--fail-on`` and the waivers: the exit code), ``report`` (text, JSON, Markdown, the
changelog, JUnit, GitHub annotations, their lines found by ``locate``) and ``cli`` (the
``diff`` command). oasdiff (Go) is the reference for depth; no maintained Python library does this.
"""

from specdiff.catalogue import CATALOGUE, Change, Impact, Migration, Rule
from specdiff.cli import diff_command
from specdiff.operations import diff_specs
from specdiff.rules import RuleId

__all__ = [
    "CATALOGUE",
    "Change",
    "Impact",
    "Migration",
    "Rule",
    "RuleId",
    "diff_command",
    "diff_specs",
]
