"""The golden conformance of both release variants (every stage, beams)."""

import os
import subprocess
import sys

import pytest

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                      "golden")


@pytest.mark.parametrize("folder", ["base_tiny", "no_text_enc_tiny"])
def test_conformance_passes(folder):
    proc = subprocess.run(
        [sys.executable, "-m", "pengi_sb.conformance",
         os.path.join(GOLDEN, folder)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "18 passed, 0 failed" in proc.stdout
