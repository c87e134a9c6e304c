"""`share_constants`: a SavedModel's functions hold each distinct constant
once, and answer as before on the Python loader and on TensorFlow's C++
`LoadSavedModel` path."""

import os

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import fingerprint_pb2
from tensorflow.python.saved_model.pywrap_saved_model import fingerprinting

from keras_s2s.export import share_constants
from keras_s2s.export.shared_constants import share_function_constants
from serving_fixtures import constant_copies
from serving_fixtures import functions


def hashes(serialized):
    fingerprint = fingerprint_pb2.FingerprintDef.FromString(serialized)
    fields = {f.name: v for f, v in fingerprint.ListFields()}
    fields.pop("uuid", None)
    return fields


class Slices(tf.Module):
    """Slices by the same bounds many times, inside and outside a loop, and
    a constant that only a control edge and the output name."""

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    def serve(self, x):
        total = x[:, 0] + x[:, 1] * 2.0 + x[:, 0] * 2.0

        def body(i, acc):
            step = acc + x[:, 0] * 2.0 + tf.cast(i, tf.float32)
            return i + 1, step + x[:, 1]

        _, looped = tf.while_loop(lambda i, _: i < 3, body,
                                  [tf.constant(0), total])
        with tf.control_dependencies([tf.constant(2.0)]):
            scaled = tf.identity(looped * 2.0)
        return {"out": scaled, "two": tf.constant(2.0)}


def test_copies_are_removed_and_the_answers_kept(tmp_path):
    path = str(tmp_path / "slices")
    tf.saved_model.save(Slices(), path)
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    before = tf.saved_model.load(path).serve(x)
    copies = sum(map(constant_copies, functions(path)))
    nodes = sum(len(f.node_def) for f in functions(path))
    old_fingerprint = open(os.path.join(path, "fingerprint.pb"), "rb").read()

    assert copies > 0
    assert share_constants(path) == copies
    assert sum(map(constant_copies, functions(path))) == 0
    assert sum(len(f.node_def) for f in functions(path)) == nodes - copies
    after = tf.saved_model.load(path).serve(x)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])
    # The fingerprint is the one of the rewritten graph (its hashes; each
    # fingerprint also has a random uuid).
    fingerprint = hashes(open(os.path.join(path, "fingerprint.pb"),
                              "rb").read())
    assert fingerprint["saved_model_checksum"] != hashes(
        old_fingerprint)["saved_model_checksum"]
    assert fingerprint == hashes(fingerprinting.CreateFingerprintDef(path))
    # A second pass finds nothing.
    assert share_constants(path) == 0


def test_edges_to_a_removed_constant_name_the_kept_one():
    function_def = tf.function(lambda: tf.constant(1.0)).get_concrete_function(
    ).function_def
    del function_def.node_def[:]
    for name in ("a", "b"):
        node = function_def.node_def.add(name=name, op="Const")
        node.attr["dtype"].type = tf.float32.as_datatype_enum
        node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(1.0))
    use = function_def.node_def.add(name="use", op="AddV2",
                                    input=["a:output:0", "b:output:0",
                                           "^a", "^b"])
    use.attr["_class"].list.s.append(b"loc:@b")
    function_def.ret.clear()
    function_def.ret["out"] = "b:output:0"
    function_def.control_ret["last"] = "b"

    assert share_function_constants(function_def) == 1
    assert [n.name for n in function_def.node_def] == ["a", "use"]
    use = function_def.node_def[1]
    assert list(use.input) == ["a:output:0", "a:output:0", "^a"]
    assert list(use.attr["_class"].list.s) == [b"loc:@a"]
    assert function_def.ret["out"] == "a:output:0"
    assert function_def.control_ret["last"] == "a"
