"""The export tests' models, built once per session (see models.py)."""

import pytest

from . import models


class Zoo:
    def __init__(self):
        self.cache = {}

    def __getitem__(self, name):
        if name not in self.cache:
            self.cache[name] = models.build(name)
        return self.cache[name]


@pytest.fixture(scope="session")
def zoo():
    return Zoo()
