"""curl lines: the token comes from the environment, every other byte as it was sent."""

from __future__ import annotations

import subprocess

from fuzz_harness.exchange import Request, curl


def test_token_header_is_printed_as_the_placeholder():
    request = Request("POST", "/p", (("X-Auth-Token", "$AUTH_TOKEN"),), b"{}")
    line = curl(request, "http://h")
    assert '-H "X-Auth-Token: $AUTH_TOKEN"' in line
    assert "-H Content-Type: " in line  # none was sent, so curl must not add one


def test_shell_characters_beside_a_placeholder_reach_curl_unchanged(tmp_path):
    value = 'a"b`c$d\\e $AUTH_TOKEN'
    line = curl(Request("GET", "/p", (("X-Odd", value),)), "http://h")
    header = line.split(" -H ", 1)[1].rsplit(" http://h", 1)[0]
    shown = subprocess.run(
        ["bash", "-c", f"printf '%s' {header}"],
        env={"AUTH_TOKEN": "secret"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown == "X-Odd: " + value.replace("$AUTH_TOKEN", "secret")
