"""Markers of the integration tests."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: runs a training recipe in subprocesses (seconds to "
        "a minute); selected with -m slow, left out with -m 'not slow'")
