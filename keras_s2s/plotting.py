"""Attention heat maps (matplotlib), as PNG files or bytes for TensorBoard."""

import io


def attention_png(weights, source_labels, output_labels, title=None):
    """Renders an alignment [len(output), len(source)] as PNG bytes.

    Rows are output tokens, columns source tokens (or image regions); darker
    cells are larger weights.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, cols = len(output_labels), len(source_labels)
    fig, ax = plt.subplots(figsize=(max(4, 0.35 * cols + 2),
                                    max(3, 0.35 * rows + 1.5)))
    ax.imshow(weights[:rows, :cols], cmap="Greys", vmin=0.0,
              aspect="auto", interpolation="nearest")
    ax.set_xticks(range(cols))
    ax.set_xticklabels(source_labels, rotation=90, fontsize=8)
    ax.set_yticks(range(rows))
    ax.set_yticklabels(output_labels, fontsize=8)
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def model_alignment(model, source, max_length=None):
    """Greedy-decodes one input and returns `(weights, source_labels,
    output_labels, text)` for plotting.

    `max_length` defaults to the model's own (`generation_config`, as
    `generate` decodes), so the plot shows the output `generate` gives.
    """
    import numpy as np
    from keras import ops

    limit = {} if max_length is None else {"max_length": max_length}
    result = model.search(source, method="greedy", return_alignments=True,
                          **limit)
    n = int(ops.convert_to_numpy(result["lengths"])[0, 0])
    tokens = ops.convert_to_numpy(result["tokens"])[0, 0, :n]
    weights = ops.convert_to_numpy(result["alignments"])[0, 0, :n]
    if model.source_tokenizer is not None and isinstance(source[0], str):
        ids = ops.convert_to_numpy(model.encode_inputs(source))[0]
        ids = ids[ids != model.pad_id]
        src = [p.decode("utf-8", "replace") for p in ops.convert_to_numpy(
            model.source_tokenizer.id_to_piece(ids))]
    else:
        src = [str(i) for i in range(weights.shape[1])]
    if model.target_tokenizer is not None:
        out = [p.decode("utf-8", "replace") for p in ops.convert_to_numpy(
            model.target_tokenizer.id_to_piece(tokens))]
        text = ops.convert_to_numpy(result["text"])[0, 0].decode("utf-8")
    else:
        out, text = [str(t) for t in tokens], " ".join(map(str, tokens))
    return np.asarray(weights)[:, :len(src)], src, out, text
