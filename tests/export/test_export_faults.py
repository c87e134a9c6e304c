"""Exports that race or are killed: distinct versions, nothing left behind.

Real processes: two exports to one folder at once, and an export killed in
the middle, followed by another.
"""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import os
    import signal
    import sys
    import keras_s2s.export.saved_model as saved_model
    from keras_s2s.export import export_saved_model
    from keras_s2s.models import load_model

    def killed(*args, **kwargs):
        # SIGKILL, as `kill -9` or the kernel's OOM killer sends it: no
        # exception, no `finally`, no cleanup runs.
        os.kill(os.getpid(), signal.SIGKILL)

    if sys.argv[4] != "-":  # the step of the export at which it dies
        setattr(saved_model, sys.argv[4], killed)
    model = load_model(sys.argv[1])
    print(export_saved_model(model, sys.argv[2], check=sys.argv[3] == "1",
                             warmup=False), flush=True)
""")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from serving_fixtures import build
    from serving_fixtures import make_tokenizers

    path = tmp_path_factory.mktemp("tiny") / "tiny.keras"
    build("gru_luong_mt", make_tokenizers()).save(path)
    return path


def export_process(model, base, check=False, killed_at="-"):
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(model), str(base),
         "1" if check else "0", killed_at], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))


def test_two_exports_at_once_get_two_versions(tiny_model, tmp_path):
    base = tmp_path / "base"
    procs = [export_process(tiny_model, base) for _ in range(2)]
    results = [proc.communicate(timeout=300) for proc in procs]
    for proc, (_, err) in zip(procs, results):
        assert proc.returncode == 0, err[-3000:]
    written = sorted(out.strip().splitlines()[-1] for out, _ in results)
    assert written == [str(base / "1"), str(base / "2")]
    assert sorted(os.listdir(base)) == ["1", "2"]
    for version in ("1", "2"):
        assert (base / version / "saved_model.pb").stat().st_size > 0


# The steps of `export_saved_model` after the SavedModel is written into
# its temporary folder and before that folder is renamed into place.
KILL_POINTS = ["check_ops", "check_serving"]


def test_a_killed_export_leaves_nothing_after_the_next(tiny_model, tmp_path):
    """An export killed at each step leaves no version folder; the export
    after it removes what it left (the second killed one removes the first
    one's, the last, finished one the second's)."""
    base = tmp_path / "base"
    for killed_at in KILL_POINTS:
        proc = export_process(tiny_model, base, check=True,
                              killed_at=killed_at)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == -signal.SIGKILL, (killed_at, err[-3000:])
        left = os.listdir(base)
        # No version folder a server could load: only the written,
        # unrenamed temporary folder of this export.
        assert len(left) == 1 and left[0].startswith(".tmp-"), left
        assert str(proc.pid) in left[0]
        assert (base / left[0] / "saved_model.pb").stat().st_size > 0
    again = export_process(tiny_model, base)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-3000:]
    assert sorted(os.listdir(base)) == ["1"]
