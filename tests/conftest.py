"""pytest set-up: tests/ on the import path (for ``support``), shared fixtures."""
import pytest

from support import side_view_figure


@pytest.fixture
def figure():
    return side_view_figure
