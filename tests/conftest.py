"""pytest set-up: tests/ on the import path (for ``support``), shared fixtures."""
import os

import pytest

from support import side_view_figure


@pytest.fixture(autouse=True, scope="session")
def _private_user_data_folder(tmp_path_factory):
    """Commands that default to the user data folder (the history, live runs, sessions) write into
    a folder of the test run's own, never the real one: subprocesses inherit it too."""
    saved = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    yield
    if saved is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = saved


@pytest.fixture
def figure():
    return side_view_figure
