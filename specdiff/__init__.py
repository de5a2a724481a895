"""Breaking-change classification between two versions of an OpenAPI spec.

Layers, each a module: ``catalogue`` (every rule with its impact on clients and servers,
the one table), ``effects`` (what a keyword's change does to the allowed values;
``patterns`` compares regular expressions as automata, in a child interpreter with a time
budget),
``normalize`` (one written form per meaning: allOf merged, const, integer bounds, nullable),
``schemas`` (schemas compared recursively), ``operations`` (operations, parameters,
bodies, responses, headers, security, the x-contract error table; ``diff_specs``),
``report`` (text, JSON, Markdown, JUnit; the versioning policy) and ``__main__`` (the
command). oasdiff (Go) is the reference for depth; no maintained Python library does this.
"""

from specdiff.catalogue import CATALOGUE, Change, Impact, Rule
from specdiff.operations import diff_specs
from specdiff.rules import RuleId

__all__ = ["CATALOGUE", "Change", "Impact", "Rule", "RuleId", "diff_specs"]
