"""Checks that a SavedModel uses only ops stock TF Serving has."""

import json
import subprocess
import sys

FORBIDDEN = {"PyFunc", "EagerPyFunc", "PyFuncStateless"}

# Runs in a bare interpreter: only tensorflow and tensorflow_text imported,
# which is what the TF Serving binary links.
_SCRIPT = r"""
import json, sys
import tensorflow as tf
import tensorflow_text  # noqa: F401  registers the tf-text ops
from tensorflow.python.framework import op_def_registry
from tensorflow.python.saved_model import loader_impl

reports = []
for path in sys.argv[1:]:
    saved = loader_impl.parse_saved_model(path)
    ops = set()
    for graph in saved.meta_graphs:
        ops.update(node.op for node in graph.graph_def.node)
        for function in graph.graph_def.library.function:
            ops.update(node.op for node in function.node_def)
    unregistered = sorted(op for op in ops if op_def_registry.get(op) is None)
    reports.append({"ops": sorted(ops), "unregistered": unregistered})
print(json.dumps(reports))
"""


def saved_model_ops(*paths):
    """Every op in each SavedModel's graphs and function libraries, listed
    by one separate Python process that imports only tensorflow and
    tensorflow_text. Returns `(ops, unregistered)` for one path, a list of
    them for several."""
    proc = subprocess.run([sys.executable, "-c", _SCRIPT,
                           *map(str, paths)],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"op check failed to read {paths}:\n"
                           f"{proc.stderr[-2000:]}")
    reports = json.loads(proc.stdout.strip().splitlines()[-1])
    results = [(set(r["ops"]), r["unregistered"]) for r in reports]
    return results[0] if len(paths) == 1 else results


def refused_ops(ops, unregistered):
    """The ops stock TF Serving cannot run, sorted."""
    return sorted(set(unregistered) | (ops & FORBIDDEN)
                  | {op for op in ops if ">" in op})


def graph_ops(path):
    """Every op named in a SavedModel's graphs and function libraries, read
    from `saved_model.pb` in this process (no op registry involved)."""
    from tensorflow.python.saved_model import loader_impl

    ops = set()
    for graph in loader_impl.parse_saved_model(str(path)).meta_graphs:
        ops.update(node.op for node in graph.graph_def.node)
        for function in graph.graph_def.library.function:
            ops.update(node.op for node in function.node_def)
    return ops


def check_ops(path):
    """Raises `ValueError` naming any op TF Serving would not have.

    Refused here: Python callbacks (`PyFunc`, `EagerPyFunc`), which cannot
    run outside Python, and ops of other op libraries (`Lib>Op`, such as
    TensorFlow Addons' `Addons>GatherTree`). Any other op that TensorFlow
    core and tensorflow-text do not register makes `check_serving`'s
    `LoadSavedModel` fail, naming it (export runs both); `saved_model_ops`
    lists registration in a bare process. Returns the set of ops used.
    """
    ops = graph_ops(path)
    bad = refused_ops(ops, [])
    if bad:
        raise ValueError(
            f"export: the graph uses op(s) {', '.join(bad)} that stock "
            "TensorFlow Serving cannot run (only TensorFlow core and "
            "tensorflow-text ops are allowed; no py_function, no TensorFlow "
            "Addons). Nothing was written.")
    return ops
