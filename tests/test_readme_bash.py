"""The README's shell blocks run as written (tiny sizes where they train)."""

import pytest

from data_paths import requires_dialogsum
from data_paths import requires_multi30k
from readme_blocks import readme_blocks
from readme_blocks import run_bash_block
from readme_blocks import scratch_checkout

BASH = [(line, body) for lang, body, skip, line in readme_blocks()
        if lang == "bash" and skip is None]


@requires_multi30k
@requires_dialogsum
@pytest.mark.parametrize("line, body", BASH,
                         ids=[f"line{line}" for line, _ in BASH])
def test_readme_shell_block_runs(line, body, tmp_path):
    proc = run_bash_block(body, scratch_checkout(tmp_path))
    assert proc.returncode == 0, (f"README line {line}", proc.stdout[-2000:],
                                  proc.stderr[-4000:])
    # Each keras-s2s command that prints printed something.
    assert proc.stdout.strip() or "plot-attention" in body
