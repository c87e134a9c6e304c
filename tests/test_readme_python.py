"""The README's Python blocks run as written (in order, one interpreter)."""

from data_paths import requires_multi30k
from readme_blocks import readme_blocks
from readme_blocks import run_python_blocks
from readme_blocks import scratch_checkout


def test_every_block_runs_or_says_why_not():
    blocks = readme_blocks()
    assert {lang for lang, *_ in blocks} <= {"python", "bash", ""}
    for _, _, skip, line in blocks:
        assert skip is None or skip.strip(), f"README line {line}: a skip " \
            "needs a reason"
    runnable = [b for b in blocks if b[0] in ("python", "bash")
                and b[2] is None]
    assert len(runnable) >= 8


@requires_multi30k
def test_readme_python_blocks_run(tmp_path):
    proc, count = run_python_blocks(readme_blocks(), scratch_checkout(
        tmp_path))
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-4000:])
    assert proc.stdout.count("--- README line") == count
