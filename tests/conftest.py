import os
import sys

# tests import shared fixtures (tests/audio_fixtures.py) and recipe modules
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, ROOT)


def pytest_addoption(parser):
    parser.addoption("--device", action="store", default="cpu",
                     help="device the model tests run on")
