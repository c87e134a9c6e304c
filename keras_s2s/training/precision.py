"""Which floating-point policy training uses: `--precision auto|float32|bfloat16`."""

PRECISIONS = ("auto", "float32", "bfloat16")
# CPU flags (Linux /proc/cpuinfo) of bfloat16 matrix instructions: Intel AMX
# and AVX512-BF16 (Intel Cooper Lake and later, AMD Zen 4 and later).
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def bf16_units(cpuinfo="/proc/cpuinfo"):
    """The bfloat16 matrix units training would run on, as a list of names
    (empty when there are none).

    With GPUs, those of compute capability 8.0 or more (Ampere and later);
    else the CPU's `BF16_CPU_FLAGS`, read from `cpuinfo` (none where that
    file does not exist: fp32 is kept where we cannot tell).
    """
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        found = []
        for gpu in gpus:
            details = tf.config.experimental.get_device_details(gpu)
            capability = details.get("compute_capability")
            if capability and tuple(capability) >= (8, 0):
                found.append(f"{gpu.name} (compute capability "
                             f"{capability[0]}.{capability[1]})")
        return found
    flags = cpu_flags(cpuinfo)
    return [flag for flag in BF16_CPU_FLAGS if flag in flags]


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The first CPU's flags in `cpuinfo` (empty where it cannot be read)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            return next((line.split(":", 1)[1].split() for line in f
                         if line.startswith("flags")), [])
    except OSError:
        return []


def training_policy(precision="auto", cpuinfo="/proc/cpuinfo"):
    """The Keras dtype policy for `precision`.

    `"float32"`: float32 everywhere. `"bfloat16"`: `"mixed_bfloat16"`
    (bfloat16 matrix products and activations, float32 weights, optimizer
    state and loss). `"auto"`: bfloat16 where `bf16_units()` finds hardware
    for it, float32 elsewhere (bfloat16 without such units is slower).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}; valid "
                         f"precisions are {', '.join(PRECISIONS)}.")
    resolved = resolve_precision(precision, cpuinfo)
    return "mixed_bfloat16" if resolved == "bfloat16" else "float32"


def resolve_precision(choice="auto", cpuinfo="/proc/cpuinfo"):
    """`"float32"` or `"bfloat16"` for `choice`, one of `PRECISIONS`:
    `"auto"` is bfloat16 where `bf16_units()` finds hardware for it,
    float32 elsewhere (what `--precision`, `--matmul-precision` and the
    export's `--output-precision`/`--recurrent-precision` decide)."""
    if choice not in PRECISIONS:
        raise ValueError(f"Unknown precision {choice!r}; valid "
                         f"ones are {', '.join(PRECISIONS)}.")
    if choice == "auto":
        return "bfloat16" if bf16_units(cpuinfo) else "float32"
    return choice


KERNEL_LAYOUT_CHOICES = ("auto", "in_out", "out_in")


def resolve_kernel_layout(choice="auto", precisions=(),
                          cpuinfo="/proc/cpuinfo"):
    """`"in_out"` or `"out_in"` for `choice`, one of
    `KERNEL_LAYOUT_CHOICES` (the export's `--kernel-layout`): `"auto"` is
    `"out_in"` (bfloat16 kernels held transposed, multiplied with
    transpose_b) where one of `precisions` is bfloat16 and the CPU has
    AMX (`amx_bf16`), where oneDNN multiplies faster so; `"in_out"`
    elsewhere, where that was not measured faster."""
    if choice not in KERNEL_LAYOUT_CHOICES:
        raise ValueError(f"Unknown kernel layout {choice!r}; valid ones "
                         f"are {', '.join(KERNEL_LAYOUT_CHOICES)}.")
    if choice != "auto":
        return choice
    if "bfloat16" in precisions and "amx_bf16" in cpu_flags(cpuinfo):
        return "out_in"
    return "in_out"
