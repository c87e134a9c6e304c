"""A vocabulary shortlist: the target pieces a search may write for a
source, so each step scores a few thousand columns instead of all of them."""

import numpy as np
from keras import ops

# Target ids below this (padding, unknown, start, end) are always kept.
RESERVED_IDS = 4


class VocabularyShortlist:
    """For each source piece, the target pieces most likely to translate it.

    A search with a shortlist scores only the candidates of its batch: the
    `frequent` most common target pieces, the reserved ids, and, for every
    piece of every source in the batch, its `size` best translations by an
    IBM Model 1 lexicon (Brown et al. 1993) fitted on parallel ids. The
    output layer's kernel is gathered to those columns once per request, so
    each step multiplies by [units, C] instead of [units, V]; candidates
    are sorted ids, so the reserved ids keep their positions. This is the
    shortlist of Marian and CTranslate2 (`--shortlist`,
    `vocabulary_mapping`); it is an approximation: a search can no longer
    write a piece outside the candidates, so measure BLEU with and without.

    Args:
        table: int [source_vocab, size] candidate target ids per source id
            (rows of the reserved source ids are ignored; pad with 0).
        frequent: int [F] target ids always kept.
        target_vocab_size: int. Size of the full target vocabulary.
        reserved: int. Target ids `0 .. reserved-1` are always kept, so
            their positions among the candidates are their ids.
        multiple: int. Round the number of candidates up to a multiple of
            this (with the lowest ids not yet in), so a server sees a few
            sizes of score tensors rather than one per request.

    Example:

    >>> shortlist = VocabularyShortlist.fit(
    ...     [[5, 6], [5, 7]], [[8, 9], [8, 10]], source_vocab_size=12,
    ...     target_vocab_size=12, size=1, frequent=0, multiple=1)
    >>> [int(i) for i in shortlist.candidates(np.array([[5, 0]]))]
    [0, 1, 2, 3, 8]
    """

    def __init__(self, table, frequent, target_vocab_size,
                 reserved=RESERVED_IDS, multiple=1):
        self.table = np.asarray(table, dtype="int32")
        self.frequent = np.asarray(frequent, dtype="int32").reshape(-1)
        self.target_vocab_size = int(target_vocab_size)
        self.reserved = int(reserved)
        self.multiple = int(multiple)
        if self.table.ndim != 2:
            raise ValueError("VocabularyShortlist: `table` must be "
                             f"[source_vocab, size], got shape "
                             f"{self.table.shape}.")
        for name, ids in (("table", self.table), ("frequent", self.frequent)):
            if ids.size and (ids.min() < 0
                             or ids.max() >= self.target_vocab_size):
                raise ValueError(
                    f"VocabularyShortlist: `{name}` holds ids outside "
                    f"[0, {self.target_vocab_size}).")
        # Reserved source ids (padding, ...) bring no candidates.
        self.table[:min(self.reserved, len(self.table))] = 0
        # What `candidates` reads instead of `table` when set (an export's
        # variable: one copy in its checkpoint, not a constant per graph).
        self.stored_table = None

    @property
    def source_vocab_size(self):
        return self.table.shape[0]

    @property
    def size(self):
        return self.table.shape[1]

    def check_ids(self, *ids):
        """Raises `ValueError` unless every id given is a reserved id (so
        it keeps its position among the candidates)."""
        bad = [i for i in ids if not 0 <= i < self.reserved]
        if bad:
            raise ValueError(
                f"VocabularyShortlist: special ids {bad} are not among the "
                f"reserved ids 0..{self.reserved - 1} that every shortlist "
                "keeps in place.")

    def candidates(self, source_ids):
        """Sorted int32 target ids [C] a search of `source_ids` [B, S] may
        write (in the graph: `keras.ops` only)."""
        source_ids = ops.reshape(ops.cast(source_ids, "int32"), (-1,))
        table = self.table if self.stored_table is None else \
            self.stored_table
        picked = ops.reshape(ops.take(table, source_ids, axis=0), (-1,))
        always = np.concatenate([np.arange(self.reserved, dtype="int32"),
                                 self.frequent])
        ids = ops.concatenate([ops.convert_to_tensor(always), picked])
        hits = ops.scatter(ids[:, None], ops.ones_like(ids, "int32"),
                           (self.target_vocab_size,)) > 0
        if self.multiple > 1:
            # Round the count up to a multiple with the lowest other ids:
            # a few sizes of score tensors instead of one per request,
            # which a serving process's allocator otherwise keeps apart
            # (its memory grew by a third over 1,000 requests).
            # (The lowest others from `nonzero`, which lists them in
            # order: a cumsum over the vocabulary took 1.3 ms a request.)
            count = ops.sum(ops.cast(hits, "int32"))
            size = ops.minimum(-(-count // self.multiple) * self.multiple,
                               self.target_vocab_size)
            others = ops.nonzero(ops.logical_not(hits))[0][:size - count]
            hits = ops.scatter_update(
                hits, ops.expand_dims(others, -1),
                ops.ones_like(others, "bool"))
        return ops.cast(ops.nonzero(hits)[0], "int32")

    @classmethod
    def fit(cls, sources, targets, source_vocab_size, target_vocab_size,
            size=100, frequent=2000, iterations=5, reserved=RESERVED_IDS,
            multiple=512):
        """Fits the lexicon on parallel id sequences.

        Args:
            sources, targets: sequences of int id sequences (no padding).
            source_vocab_size, target_vocab_size: ints.
            size: int. Candidates kept per source piece.
            frequent: int. Most common target pieces always kept.
            iterations: int. EM iterations of IBM Model 1 (with a NULL
                source word, id 0).
            reserved, multiple: ints. See the class.
        """
        if len(sources) != len(targets):
            raise ValueError(f"VocabularyShortlist.fit: {len(sources)} "
                             f"sources but {len(targets)} targets.")
        src_rows, tgt_cols, positions = [], [], []
        offset = 0
        for s, t in zip(sources, targets):
            s = np.append(np.asarray(s, "int64"), 0)  # the NULL word
            t = np.asarray(t, "int64")
            src_rows.append(np.repeat(s, len(t)))
            tgt_cols.append(np.tile(t, len(s)))
            positions.append(np.tile(np.arange(len(t)), len(s)) + offset)
            offset += len(t)
        if not offset:
            raise ValueError("VocabularyShortlist.fit: no target ids.")
        src_rows = np.concatenate(src_rows)
        tgt_cols = np.concatenate(tgt_cols)
        positions = np.concatenate(positions)
        pairs, pair_of = np.unique(src_rows * target_vocab_size + tgt_cols,
                                   return_inverse=True)
        pair_src = pairs // target_vocab_size
        prob = np.ones(len(pairs))
        for _ in range(iterations):
            # E: each target position spreads one count over its source
            # words by t(f|e); M: t(f|e) = count(e, f) / count(e).
            p = prob[pair_of]
            norm = np.bincount(positions, weights=p, minlength=offset)
            counts = np.bincount(pair_of, weights=p / norm[positions],
                                 minlength=len(pairs))
            totals = np.bincount(pair_src, weights=counts,
                                 minlength=source_vocab_size)
            prob = counts / totals[pair_src]
        order = np.lexsort((-prob, pair_src))
        ranked_src, ranked_tgt = pair_src[order], pairs[order] % \
            target_vocab_size
        starts = np.searchsorted(ranked_src, np.arange(source_vocab_size + 1))
        table = np.zeros((source_vocab_size, size), "int32")
        for s in range(source_vocab_size):
            best = ranked_tgt[starts[s]:starts[s + 1]][:size]
            table[s, :len(best)] = best
        counts = np.bincount(np.concatenate(
            [np.asarray(t, "int64") for t in targets]),
            minlength=target_vocab_size)
        common = np.argsort(-counts, kind="stable")[:frequent]
        return cls(table, common[counts[common] > 0], target_vocab_size,
                   reserved=reserved, multiple=multiple)

    @classmethod
    def fit_texts(cls, model, sources, targets, **options):
        """`fit` on raw parallel texts, tokenized with `model`'s source and
        target tokenizers (in chunks of 1,024); `options` go to `fit`."""
        if model.source_tokenizer is None or model.target_tokenizer is None:
            raise ValueError("VocabularyShortlist.fit_texts: the model needs "
                             "a source and a target tokenizer.")

        def ids(tokenizer, texts):
            out = []
            for i in range(0, len(texts), 1024):
                rows = np.asarray(tokenizer(list(texts[i:i + 1024])))
                out += [row[row != model.pad_id] for row in rows]
            return out

        return cls.fit(ids(model.source_tokenizer, sources),
                       ids(model.target_tokenizer, targets),
                       model.encoder.vocab_size, model.decoder.vocab_size,
                       **options)

    def save(self, path):
        """Writes the shortlist to `path` (a `.npz` file)."""
        np.savez_compressed(path, table=self.table, frequent=self.frequent,
                            target_vocab_size=self.target_vocab_size,
                            reserved=self.reserved, multiple=self.multiple)

    @classmethod
    def load(cls, path):
        """Reads a shortlist written by `save`."""
        with np.load(path) as data:
            missing = {"table", "frequent", "target_vocab_size",
                       "reserved", "multiple"} - set(data.files)
            if missing:
                raise ValueError(f"{path}: not a vocabulary shortlist "
                                 f"(missing {sorted(missing)}).")
            return cls(data["table"], data["frequent"],
                       int(data["target_vocab_size"]),
                       reserved=int(data["reserved"]),
                       multiple=int(data["multiple"]))
