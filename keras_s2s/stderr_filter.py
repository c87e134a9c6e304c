"""Keeps native log lines a user cannot act on out of the CLI's stderr."""

import atexit
import os
import re
import sys
import threading

# Lines written by C++ code inside TensorFlow and tensorflow-text, which no
# Python logging setting reaches: absl's notice before its log is set up,
# absl-format lines (I/W/E; fatal ones are kept), TensorFlow's older format
# (the CPU-feature notice and its second line), SentencePiece's INFO lines.
NOISE = [
    rb"^WARNING: All log messages before absl::InitializeLog\(\) is called",
    rb"^[IWE]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w./-]+:\d+\] ",
    rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] [\w./-]+:\d+\] ",
    rb"^To enable the following instructions: .* rebuild TensorFlow",
    rb"^[\w./-]+\.cc\(\d+\) LOG\(INFO\) ",
]


class StderrFilter:
    """Routes file descriptor 2 through a pipe and drops known noise lines.

    Works below Python, so it also filters what TensorFlow's and
    SentencePiece's C++ code print. Everything else (Python tracebacks,
    warnings, the CLI's own messages, fatal native errors) passes through
    unchanged, line by line.

    Args:
        patterns: regular expressions (bytes) of the lines to drop.

    Example:
    >>> quiet = StderrFilter()
    >>> quiet.start()   # before importing tensorflow
    >>> ...
    >>> quiet.stop()    # also registered with atexit
    """

    def __init__(self, patterns=None):
        self.patterns = list(NOISE if patterns is None else patterns)
        self._regex = re.compile(b"|".join(b"(?:%s)" % p
                                           for p in self.patterns))
        self._saved = None
        self._thread = None
        self.dropped = 0

    def start(self):
        if self._saved is not None:
            return self
        sys.stderr.flush()
        self._saved = os.dup(2)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        self._thread = threading.Thread(target=self._pump, args=(read_end,),
                                        daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def _pump(self, read_end):
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            pending = b""
            while True:
                chunk = pipe.read(65536)
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self._emit(line + b"\n")
            if pending:
                self._emit(pending)

    def _emit(self, line):
        if self._regex.search(line):
            self.dropped += 1
        else:
            os.write(self._saved, line)

    def stop(self):
        """Puts the original stderr back and passes on what is pending."""
        if self._saved is None:
            return
        try:
            sys.stderr.flush()
        except ValueError:  # closed at interpreter exit
            pass
        os.dup2(self._saved, 2)  # closes the pipe's write end: EOF
        self._thread.join(timeout=5)
        if not self._thread.is_alive():  # a child may still hold the pipe
            os.close(self._saved)
        self._saved = None
