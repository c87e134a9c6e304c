"""Runs the README's code blocks as written, so it cannot drift from the code.

Every ```python and ```bash block runs, except those right after a
`<!-- readme-test: skip (reason) -->` line, which must give a reason. Python
blocks run in README order in one interpreter, like notebook cells; bash
blocks run one by one with `bash -e`. Both run in a scratch folder that
looks like a checkout (`.venv` and `../shared` beside it), so paths in the
README resolve and nothing is written into the repository. Commands that
train get tiny sizes: a `keras-s2s` shell function appends them (the last
value of a repeated flag wins).
"""

import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(?:<!-- readme-test: (?P<directive>[^\n]*?) -->\n)?"
                   r"```(?P<lang>[a-z]*)\n(?P<body>.*?)```", re.S)
TINY = json.dumps({"encoder": {"units": 16, "embedding_dim": 16},
                   "decoder": {"units": 32, "embedding_dim": 16},
                   "attention": {"units": 16},
                   "generation": {"max_length": 16}})
SHELL_PRELUDE = f"""
keras-s2s() {{
  case "$1" in
    train) command keras-s2s "$@" --epochs 1 --max-examples 256 \\
             --vocab-size 400 --val-examples 16 --val-loss-examples 64 \\
             --overrides '{TINY}' ;;
    evaluate) command keras-s2s "$@" --max-examples 16 ;;
    *) command keras-s2s "$@" ;;
  esac
}}
"""


def readme_blocks(path=ROOT / "README.md"):
    """[(lang, body, skip_reason or None, line)] for every fenced block."""
    text = path.read_text()
    blocks = []
    for match in BLOCK.finditer(text):
        directive = match.group("directive")
        reason = None
        if directive is not None:
            found = re.fullmatch(r"skip \((.+)\)", directive)
            reason = found.group(1) if found else ""
        line = text.count("\n", 0, match.start("body"))
        blocks.append((match.group("lang"), match.group("body"), reason,
                       line))
    return blocks


def scratch_checkout(tmp_path):
    """A folder with `.venv` and `../shared` as a checkout has them."""
    work = tmp_path / "work"
    work.mkdir()
    (work / ".venv").symlink_to(pathlib.Path(sys.prefix))
    shared = ROOT.parent / "shared"
    if shared.exists() and not (tmp_path / "shared").exists():
        (tmp_path / "shared").symlink_to(shared)
    return work


def environment():
    env = dict(os.environ)
    env["PATH"] = f"{pathlib.Path(sys.executable).parent}:{env['PATH']}"
    env.pop("PYTHONPATH", None)
    return env


def run_python_blocks(blocks, work, timeout=900):
    """All Python blocks, in order, in one fresh interpreter."""
    cells = [(line, body) for lang, body, skip, line in blocks
             if lang == "python" and skip is None]
    script = "\n".join(
        f"print('--- README line {line}', flush=True)\n"
        f"exec(compile({body!r}, 'README.md:{line}', 'exec'))"
        for line, body in cells)
    return subprocess.run([sys.executable, "-c", script], cwd=work,
                          env=environment(), capture_output=True, text=True,
                          timeout=timeout), len(cells)


def run_bash_block(body, work, timeout=900):
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c",
                           SHELL_PRELUDE + body], cwd=work,
                          env=environment(), capture_output=True, text=True,
                          timeout=timeout)
