"""Shared pytest setup: every test starts with grad mode on and the default dtype float32."""

import pytest

import torcia


@pytest.fixture(autouse=True)
def _fresh_state():
    torcia.set_default_dtype(torcia.float32)
    torcia.autograd.grad_mode.state.enabled = True
    yield
    torcia.set_default_dtype(torcia.float32)
