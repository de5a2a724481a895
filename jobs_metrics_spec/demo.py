"""The demo identities: the credentials the reference server accepts out of the box and the
job IDs of its demo data, which the fuzz harness, the stand-in and the docs use too.

Kept here, in the core every layer may import, so that the harness knows the demo server's
identities without importing the server (the README lists them; ``make fuzz`` uses project
A). The demo data itself (the jobs' streams and rates) is the reference server's.
"""

from __future__ import annotations

from dataclasses import dataclass

PROJECT_A = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PROJECT_B = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
TOKEN_A = "demo-token-project-a"
TOKEN_B = "demo-token-project-b"

DEMO_TOKENS: dict[str, str] = {TOKEN_A: PROJECT_A, TOKEN_B: PROJECT_B}

# Access key / secret key pairs of the successor operation (AK/SK signatures), one per demo
# project, in the shape of the provider's (a 20-character AK, a 40-character SK).
ACCESS_KEY_A = "DEMOAKPROJECTA000001"
SECRET_KEY_A = "demo-secret-key-of-project-a-0000000000a"
ACCESS_KEY_B = "DEMOAKPROJECTB000002"
SECRET_KEY_B = "demo-secret-key-of-project-b-0000000000b"


@dataclass(frozen=True, slots=True)
class AccessKey:
    """A secret key and the project its access key is bound to."""

    secret_key: str
    project_id: str


DEMO_ACCESS_KEYS: dict[str, AccessKey] = {
    ACCESS_KEY_A: AccessKey(SECRET_KEY_A, PROJECT_A),
    ACCESS_KEY_B: AccessKey(SECRET_KEY_B, PROJECT_B),
}

# Project A owns job IDs 1..600, project B owns 601..1200: job IDs are global, as on the
# provider, so one ID never belongs to two projects.
PROJECT_A_JOBS = range(1, 601)
PROJECT_B_JOBS = range(601, 1201)
