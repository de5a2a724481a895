"""The provider's SDK, imported with ``HOME`` pointing at a temporary folder.

``huaweicloudsdkcore`` writes ``$HOME/.huaweicloud/application_id`` when its user-agent
module is first imported (on the first client built); importing it here, under a throwaway
``HOME`` that is restored at once, keeps the developer's home directory untouched for the
whole session without changing ``HOME`` for the other tests of this process.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fuzz_harness.server_process import ServerProcess

_SDK_HOME = tempfile.TemporaryDirectory(prefix="sdk-home-")  # removed when the process ends


def _import_sdk() -> None:
    saved = os.environ.get("HOME")
    os.environ["HOME"] = _SDK_HOME.name
    try:
        importlib.import_module("huaweicloudsdkcore.http.user_agent")
        importlib.import_module("huaweicloudsdkdli.v1")
    finally:
        if saved is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = saved


_import_sdk()

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.http.http_handler import HttpHandler  # noqa: E402
from huaweicloudsdkdli.v1 import DliClient  # noqa: E402

SDK_HOME = Path(_SDK_HOME.name)


ClientFactory = Callable[..., Any]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A reference server of this module's own: test_sdk.py loads jobs into its database."""
    with ServerProcess(tmp_path_factory.mktemp("sdk") / "reference.sqlite3") as running:
        yield running


@pytest.fixture(scope="module")
def dli_client(server: ServerProcess) -> ClientFactory:
    """``dli_client(ak, sk, project_id, handler=None)``: the SDK's client, built as its
    documentation builds it, pointed at the module's live server (``server``, tests/conftest.py;
    plain http, no IAM call)."""

    def build(
        access_key: str, secret_key: str, project_id: str, handler: HttpHandler | None = None
    ) -> Any:
        builder = (
            DliClient.new_builder()
            .with_credentials(BasicCredentials(access_key, secret_key, project_id))
            .with_endpoints([server.base_url])
        )
        if handler is not None:
            builder = builder.with_http_handler(handler)
        return builder.build()

    return build
