import pytest
import tensorflow as tf

from keras_s2s.training.precision import bf16_units
from keras_s2s.training.precision import training_policy

NO_GPU = not tf.config.list_physical_devices("GPU")
needs_cpu_only = pytest.mark.skipif(not NO_GPU, reason="GPUs decide there")


def cpuinfo(tmp_path, flags):
    path = tmp_path / "cpuinfo"
    path.write_text("processor\t: 0\nmodel name\t: Some CPU\n"
                    f"flags\t\t: fpu sse2 avx2 {flags}\n\nprocessor\t: 1\n")
    return str(path)


@needs_cpu_only
@pytest.mark.parametrize("flags, units", [
    ("avx512f amx_tile amx_bf16 avx512_bf16", ["amx_bf16", "avx512_bf16"]),
    ("avx512f avx512_bf16", ["avx512_bf16"]),
    ("avx512f avx512_vnni", []),
])
def test_bf16_units_read_from_the_cpu_flags(tmp_path, flags, units):
    assert bf16_units(cpuinfo(tmp_path, flags)) == units
    expected = "mixed_bfloat16" if units else "float32"
    assert training_policy("auto", cpuinfo(tmp_path, flags)) == expected


@needs_cpu_only
def test_auto_keeps_float32_where_it_cannot_tell(tmp_path):
    missing = str(tmp_path / "no-such-file")
    assert bf16_units(missing) == []
    assert training_policy("auto", missing) == "float32"


def test_explicit_precisions_and_a_bad_one(tmp_path):
    flags = cpuinfo(tmp_path, "amx_bf16")
    assert training_policy("float32", flags) == "float32"
    assert training_policy("bfloat16", cpuinfo(tmp_path, "")) == \
        "mixed_bfloat16"
    with pytest.raises(ValueError, match="valid precisions are auto, "
                                         "float32, bfloat16"):
        training_policy("fp16", flags)


@needs_cpu_only
def test_resolve_precision_auto_follows_the_units(tmp_path):
    from keras_s2s.training.precision import resolve_precision

    assert resolve_precision("auto", cpuinfo(tmp_path, "amx_bf16")) == \
        "bfloat16"
    assert resolve_precision("auto", cpuinfo(tmp_path, "avx512f")) == \
        "float32"
    assert resolve_precision("bfloat16", cpuinfo(tmp_path, "")) == "bfloat16"
    with pytest.raises(ValueError, match="valid ones are auto, float32"):
        resolve_precision("fp16")


@pytest.mark.parametrize("flags, precisions, layout", [
    ("amx_tile amx_bf16 avx512_bf16", ("bfloat16", "float32"), "out_in"),
    ("amx_tile amx_bf16 avx512_bf16", ("float32", "bfloat16"), "out_in"),
    ("amx_tile amx_bf16 avx512_bf16", ("float32", "float32"), "in_out"),
    ("avx512f avx512_bf16", ("bfloat16", "bfloat16"), "in_out"),
    ("avx512f", ("bfloat16",), "in_out"),
])
def test_kernel_layout_auto_is_out_in_for_bfloat16_on_amx(
        tmp_path, flags, precisions, layout):
    from keras_s2s.training.precision import resolve_kernel_layout

    assert resolve_kernel_layout("auto", precisions,
                                 cpuinfo(tmp_path, flags)) == layout


def test_explicit_kernel_layouts_and_a_bad_one(tmp_path):
    from keras_s2s.training.precision import resolve_kernel_layout

    amx = cpuinfo(tmp_path, "amx_bf16")
    assert resolve_kernel_layout("in_out", ("bfloat16",), amx) == "in_out"
    assert resolve_kernel_layout("out_in", (), cpuinfo(tmp_path, "")) == \
        "out_in"
    assert resolve_kernel_layout("auto", ("bfloat16",),
                                 str(tmp_path / "missing")) == "in_out"
    with pytest.raises(ValueError, match="valid ones are auto, in_out, "
                                         "out_in"):
        resolve_kernel_layout("transposed")
