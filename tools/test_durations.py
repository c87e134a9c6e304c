"""Writes `tests/durations.json`: seconds per test file, from a JUnit XML
report of a `make test` run.

`tests/conftest.py` runs the test files longest first, so that pytest-xdist
(`--dist loadfile --no-loadscope-reorder`, see the Makefile) hands the long
files out at the start and the short ones fill in at the end; otherwise a
long file that comes last keeps one worker busy while the other waits. The
times only order the files: a stale or missing entry makes the suite slower,
never wrong. Refresh after adding or changing long tests:

    PYTEST_ADDOPTS=--junitxml=/tmp/junit.xml make test
    .venv/bin/python tools/test_durations.py /tmp/junit.xml
"""

import collections
import json
import pathlib
import sys
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parents[1]


def file_seconds(report):
    """`{"tests/x/test_y.py": seconds}` summed over the report's test cases
    (setup, call and teardown: pytest's JUnit `time`)."""
    seconds = collections.Counter()
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "")
        parts = module.split(".")
        # classname is the module path, then a class if the test has one.
        for end in range(len(parts), 0, -1):
            path = "/".join(parts[:end]) + ".py"
            if (ROOT / path).is_file():
                seconds[path] += float(case.get("time", 0))
                break
    return seconds


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    seconds = file_seconds(argv[0])
    if not seconds:
        sys.exit(f"{argv[0]}: no test cases of this checkout's files")
    out = ROOT / "tests" / "durations.json"
    ordered = dict(sorted(((k, round(v, 1)) for k, v in seconds.items()),
                          key=lambda kv: -kv[1]))
    out.write_text(json.dumps(ordered, indent=1) + "\n")
    print(f"{out.relative_to(ROOT)}: {len(ordered)} files, "
          f"{sum(ordered.values()):.0f} s in all")


if __name__ == "__main__":
    main(sys.argv[1:])
