"""The zoo's presets: constructor arguments plus metadata, as plain data.

Each preset has `task`, `description`, `paper`, `parameters` (the count at
the preset's size, checked by the tests), `config` (what `zoo.load` builds),
`weights` and `vocab` (shipped files with their sha256, or None),
`metrics` (measured numbers with the command that measured them) and
optionally `subword_model` (`"unigram"`, the default, or `"bpe"`: the
SentencePiece model type `keras-s2s train` trains vocabularies with).

What a preset's model consumes (text or images, a shared vocabulary,
copying) is not written here: it follows from its layers, see
`zoo.contract(name)`.
"""

_RNN_MT_ENCODER = {"class_name": "RNNEncoder", "cell": "lstm", "units": 256,
                   "bidirectional": True, "embedding_dim": 256,
                   "dropout": 0.3}
_MT_GENERATION = {"method": "beam", "beam_size": 5, "alpha": 0.6,
                  "max_length": 100, "relative_max_length": [1.5, 10]}
_SUMM_ENCODER = {"class_name": "RNNEncoder", "cell": "lstm", "units": 256,
                 "bidirectional": True, "embedding_dim": 128,
                 "dropout": 0.2}
_SUMM_GENERATION = {"method": "beam", "beam_size": 4, "alpha": 1.0,
                    "max_length": 80, "no_repeat_ngram_size": 3}
# DialogSum names its speakers #Person1#, #Person2#, ... (up to #Person7# in
# train): whole pieces, so the summarizers read and write them as one symbol.
_SPEAKER_TAGS = tuple(f"#Person{i}#" for i in range(1, 10))
_CAPTION_ENCODER = {"class_name": "ImageEncoder", "units": 256,
                    "backbone": "small_cnn", "filters": [32, 64, 128],
                    "dropout": 0.1}
_CAPTION_GENERATION = {"method": "beam", "beam_size": 3, "max_length": 30}

PRESETS = {
    "bilstm_attn_mt": {
        "task": "translation",
        "description": "BiLSTM encoder, LSTM decoder with additive "
                       "(Bahdanau) attention and input feeding.",
        "paper": "Bahdanau et al. 2015; Luong et al. 2015 (input feeding)",
        "parameters": 13_449_024,
        "config": {
            "encoder": _RNN_MT_ENCODER,
            "decoder": {"class_name": "AttentionDecoder", "cell": "lstm",
                        "units": 512, "embedding_dim": 256, "dropout": 0.3,
                        "input_feeding": True},
            "attention": {"class_name": "ContentAttention", "units": 512,
                          "score": "additive"},
            "source_vocab_size": 8000, "target_vocab_size": 8000,
            "max_source_length": 200, "generation": _MT_GENERATION,
            "split_sentences": True,
        },
        "weights": {'file': 'bilstm_attn_mt.weights.h5',
                    'sha256': '017d8b84dd98d8552eb76d3d29024a51a290e1e0c1937ddb96581534c9fc9dec',
                    'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_attn_mt.weights.h5'},
        "vocab": {'source': {'file': 'bilstm_attn_mt.source.spm',
                             'sha256': '8821aa03c7990fc49dea62df4fb1df47e49731890040fb022e9689de40044c2d',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_attn_mt.source.spm'},
                  'target': {'file': 'bilstm_attn_mt.target.spm',
                             'sha256': 'dfb458375c5ae80967aed11c5a39030cf2909fd255d3fa34a877bf371fc1e966',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_attn_mt.target.spm'}},
        # Fitted with `VocabularyShortlist.fit_texts` (IBM model 1) on the
        # Multi30k training split: 50 candidates per source piece plus the
        # 1,000 most common target pieces (`keras-s2s export --shortlist
        # multi30k:en-de --shortlist-size 50 --shortlist-frequent 1000`).
        "shortlist": {'file': 'bilstm_attn_mt.shortlist.npz',
                      'sha256': '053d9a0166b508158ad521105f93c9550f058e92f3a302c2e81e1edc75781223',
                      'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_attn_mt.shortlist.npz',
                      'data': 'multi30k:en-de (train)', 'size': 50,
                      'frequent': 1000},
        "metrics": {'test_2016_flickr_beam': {'bleu': 35.87,
                                              'bleu_lowercase': 36.21,
                                              'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                              'examples': 1000,
                                              'search': {'method': 'beam',
                                                         'beam_size': 5}},
                    'test_2016_flickr_greedy': {'bleu': 33.29,
                                                'bleu_lowercase': 33.63,
                                                'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                                'examples': 1000,
                                                'search': {'method': 'greedy'}},
                    'val_2016_beam_float32': {'bleu': 35.46,
                                              'examples': 1014},
                    'shipped_shortlist_beam': {
                        'test_2016_flickr': {'bleu': 35.95,
                                             'without': 35.87},
                        'val_2016': {'bleu': 35.36, 'without': 35.49},
                        'command': 'model.generate(batches of 32, '
                                   'shortlist=True) with '
                                   'zoo.load_shortlist, sacreBLEU '
                                   '(keras_s2s.metrics.corpus_bleu), '
                                   '2026-12-06'},
                    'training': {'recipe': 'bash zoo/recipes/bilstm_attn_mt.sh',
                                 'epochs': 37,
                                 'steps': 8974,
                                 'batch_size': 128,
                                 'wall_time_hours': 1.7,
                                 'machine': "bilstm_location_mt's training "
                                            '(26 epochs, 3,468 s), then 8 '
                                            'epochs from it without the '
                                            'location features (1,469 s), '
                                            'then 3 epochs of sequence-level '
                                            'distillation from it (603 s; '
                                            'its translations of the '
                                            'training sources took 577 s); '
                                            '2-core AMD EPYC (avx512_bf16), '
                                            'no GPU, beside other work part '
                                            'of the time'},
                    'storage': {'dtype': 'int8',
                                'float32_test_bleu': {'beam': 36.05,
                                                      'greedy': 33.31}},
                    'size_mb': 13.0},
    },
    "bilstm_noattn_mt": {
        "task": "translation",
        "description": "BiLSTM encoder, LSTM decoder without attention: "
                       "it starts from the encoder's last states and reads "
                       "them again at every step (the plain "
                       "encoder-decoder baseline).",
        "paper": "Sutskever et al. 2014; Cho et al. 2014 (context at "
                 "every step)",
        "parameters": 12_399_424,
        "config": {
            "encoder": _RNN_MT_ENCODER,
            "decoder": {"class_name": "RNNDecoder", "cell": "lstm",
                        "units": 512, "embedding_dim": 256, "dropout": 0.3,
                        "feed_context": True},
            "attention": None,
            "source_vocab_size": 8000, "target_vocab_size": 8000,
            "max_source_length": 200, "generation": _MT_GENERATION,
            "split_sentences": True,
        },
        "weights": {'file': 'bilstm_noattn_mt.weights.h5',
                    'sha256': 'f9f1e8a4831393303f754f043df85e74b8367a12235e0031f5224401cb87fd41',
                    'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_noattn_mt.weights.h5'},
        "vocab": {'source': {'file': 'bilstm_noattn_mt.source.spm',
                             'sha256': '8821aa03c7990fc49dea62df4fb1df47e49731890040fb022e9689de40044c2d',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_noattn_mt.source.spm'},
                  'target': {'file': 'bilstm_noattn_mt.target.spm',
                             'sha256': 'dfb458375c5ae80967aed11c5a39030cf2909fd255d3fa34a877bf371fc1e966',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_noattn_mt.target.spm'}},
        "metrics": {'test_2016_flickr_beam': {'bleu': 13.52,
                                              'bleu_lowercase': 13.62,
                                              'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                              'examples': 1000,
                                              'search': {'method': 'beam',
                                                         'beam_size': 5}},
                    'test_2016_flickr_greedy': {'bleu': 12.2,
                                                'bleu_lowercase': 12.32,
                                                'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                                'examples': 1000,
                                                'search': {'method': 'greedy'}},
                    'val_beam': {'bleu': 13.76, 'examples': 1014,
                                 'weights': 'float32 run, before int8 storage'},
                    'training': {'recipe': 'python zoo/recipes/'
                                           'attention_study.py --only none',
                                 'epochs': 10,
                                 'steps': 2260,
                                 'batch_size': 128,
                                 'train_seconds': 4541,
                                 'machine': '2-core Intel Xeon (AVX-512, '
                                            'AMX), no GPU, shared with other '
                                            'work (niced)'},
                    'storage': {'dtype': 'int8',
                                'float32_test_bleu': {'beam': 13.55,
                                                      'greedy': 12.21}},
                    'size_mb': 12.0},
    },
    "gru_luong_mt": {
        "task": "translation",
        "description": "GRU encoder, GRU decoder with Luong's general "
                       "(bilinear) attention.",
        "paper": "Luong et al. 2015",
        "parameters": 13_976_896,
        "config": {
            "encoder": {"class_name": "RNNEncoder", "cell": "gru",
                        "units": 512, "num_layers": 2, "embedding_dim": 256,
                        "dropout": 0.3},
            # Input feeding (Luong et al. 2015, section 3.3): without it
            # the same training reached 6.99 val BLEU with beam 5, with it
            # 23.80.
            "decoder": {"class_name": "AttentionDecoder", "cell": "gru",
                        "units": 512, "embedding_dim": 256, "dropout": 0.3,
                        "input_feeding": True},
            "attention": {"class_name": "ContentAttention",
                          "score": "general"},
            "source_vocab_size": 8000, "target_vocab_size": 8000,
            "max_source_length": 200, "generation": _MT_GENERATION,
            "split_sentences": True,
        },
        "weights": {'file': 'gru_luong_mt.weights.h5',
                    'sha256': '85a3d674c2024e733f5f71ad3bff45a1e3a01f44acb44dd3a6d8a6a29a408b65',
                    'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/gru_luong_mt.weights.h5'},
        "vocab": {'source': {'file': 'gru_luong_mt.source.spm',
                             'sha256': '8821aa03c7990fc49dea62df4fb1df47e49731890040fb022e9689de40044c2d',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/gru_luong_mt.source.spm'},
                  'target': {'file': 'gru_luong_mt.target.spm',
                             'sha256': 'dfb458375c5ae80967aed11c5a39030cf2909fd255d3fa34a877bf371fc1e966',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/gru_luong_mt.target.spm'}},
        "metrics": {'test_2016_flickr_beam': {'bleu': 24.84,
                                              'bleu_lowercase': 25.03,
                                              'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                              'examples': 1000,
                                              'search': {'method': 'beam',
                                                         'beam_size': 5}},
                    'test_2016_flickr_greedy': {'bleu': 22.44,
                                                'bleu_lowercase': 22.65,
                                                'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                                'examples': 1000,
                                                'search': {'method': 'greedy'}},
                    'val_beam': {'bleu': 23.80, 'examples': 1014,
                                 'weights': 'float32 run, before int8 storage'},
                    'training': {'recipe': 'python zoo/recipes/'
                                           'attention_study.py --only '
                                           'gru_luong_mt',
                                 'epochs': 10,
                                 'steps': 2260,
                                 'batch_size': 128,
                                 'train_seconds': 1129,
                                 'machine': '2-core AMD EPYC (AVX-512, '
                                            'avx512_bf16), no GPU, '
                                            'nothing else training'},
                    'storage': {'dtype': 'int8',
                                'float32_test_bleu': {'beam': 24.83,
                                                      'greedy': 22.52}},
                    'size_mb': 13.5},
    },
    "conv_attn_mt": {
        "task": "translation",
        "description": "Convolutional encoder (GLU blocks, residuals, "
                       "position embeddings), LSTM decoder with scaled "
                       "dot-product attention.",
        "paper": "Gehring et al. 2017; Vaswani et al. 2017 (scaled dot)",
        "parameters": 13_047_232,
        "config": {
            "encoder": {"class_name": "ConvEncoder", "embedding_dim": 256,
                        "units": 384, "num_layers": 4, "kernel_size": 3,
                        "dropout": 0.2, "max_length": 256},
            "decoder": {"class_name": "AttentionDecoder", "cell": "lstm",
                        "units": 384, "embedding_dim": 256, "dropout": 0.3,
                        "input_feeding": True},
            "attention": {"class_name": "ContentAttention",
                          "score": "scaled_dot"},
            "source_vocab_size": 8000, "target_vocab_size": 8000,
            "max_source_length": 200, "generation": _MT_GENERATION,
            "split_sentences": True,
        },
        "weights": {'file': 'conv_attn_mt.weights.h5',
                    'sha256': '0817f151c58907f3c46b01f2cbf201fb539f583bea1cb40ccb042622d8bd6cf9',
                    'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/conv_attn_mt.weights.h5'},
        "vocab": {'source': {'file': 'conv_attn_mt.source.spm',
                             'sha256': '8821aa03c7990fc49dea62df4fb1df47e49731890040fb022e9689de40044c2d',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/conv_attn_mt.source.spm'},
                  'target': {'file': 'conv_attn_mt.target.spm',
                             'sha256': 'dfb458375c5ae80967aed11c5a39030cf2909fd255d3fa34a877bf371fc1e966',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/conv_attn_mt.target.spm'}},
        "metrics": {'test_2016_flickr_beam': {'bleu': 34.64,
                                              'bleu_lowercase': 35.03,
                                              'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                              'examples': 1000,
                                              'search': {'method': 'beam',
                                                         'beam_size': 5}},
                    'test_2016_flickr_greedy': {'bleu': 33.07,
                                                'bleu_lowercase': 33.46,
                                                'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                                'examples': 1000,
                                                'search': {'method': 'greedy'}},
                    'val_beam': {'bleu': 34.05, 'examples': 1014,
                                 'weights': 'float32 run, before int8 storage'},
                    'training': {'recipe': 'python zoo/recipes/'
                                           'attention_study.py --only '
                                           'conv_attn_mt, then stages '
                                           '2-5 of zoo/recipes/'
                                           'mt_stages.sh',
                                 'epochs': 26,
                                 'steps': 5876,
                                 'batch_size': 128,
                                 'train_seconds': 3549,
                                 'machine': '2-core AMD EPYC (AVX-512, '
                                            'avx512_bf16), no GPU, niced; '
                                            'stage 2 beside small test '
                                            'trainings'},
                    'stage_1_test_bleu': {'beam': 33.22, 'greedy': 30.53,
                                          'val_beam': 31.84},
                    'storage': {'dtype': 'int8'},
                    'size_mb': 12.6},
    },
    "bilstm_location_mt": {
        "task": "translation",
        "description": "BiLSTM encoder, LSTM decoder with location-aware "
                       "attention over the previous alignment (sinusoidal "
                       "position features off: they cost 17 BLEU in the "
                       "attention study); the zoo's best translator.",
        "paper": "Chorowski et al. 2015",
        "parameters": 13_457_456,
        "config": {
            "encoder": _RNN_MT_ENCODER,
            "decoder": {"class_name": "AttentionDecoder", "cell": "lstm",
                        "units": 512, "embedding_dim": 256, "dropout": 0.3,
                        "input_feeding": True},
            "attention": {"class_name": "LocationAttention", "units": 512,
                          "mode": "location_aware", "filters": 16,
                          "kernel_size": 15, "position_features": False},
            "source_vocab_size": 8000, "target_vocab_size": 8000,
            "max_source_length": 200, "generation": _MT_GENERATION,
            "split_sentences": True,
        },
        "weights": {'file': 'bilstm_location_mt.weights.h5',
                    'sha256': 'ce37c3e3f2ade9adff3603af57e3687f25fb82e532413ac51d66e5b2ec01829b',
                    'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_location_mt.weights.h5'},
        "vocab": {'source': {'file': 'bilstm_location_mt.source.spm',
                             'sha256': '8821aa03c7990fc49dea62df4fb1df47e49731890040fb022e9689de40044c2d',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_location_mt.source.spm'},
                  'target': {'file': 'bilstm_location_mt.target.spm',
                             'sha256': 'dfb458375c5ae80967aed11c5a39030cf2909fd255d3fa34a877bf371fc1e966',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bilstm_location_mt.target.spm'}},
        "metrics": {'test_2016_flickr_beam': {'bleu': 35.18,
                                              'bleu_lowercase': 35.51,
                                              'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                              'examples': 1000,
                                              'search': {'method': 'beam',
                                                         'beam_size': 5}},
                    'test_2016_flickr_greedy': {'bleu': 33.00,
                                                'bleu_lowercase': 33.36,
                                                'bleu_signature': 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
                                                'examples': 1000,
                                                'search': {'method': 'greedy'}},
                    'val_beam': {'bleu': 35.38, 'examples': 1014,
                                 'weights': 'float32 run, before int8 storage'},
                    'val_greedy': {'bleu': 34.10, 'examples': 1014,
                                   'weights': 'float32 run, before int8 storage'},
                    'training': {'recipe': 'bash zoo/recipes/'
                                           'bilstm_location_mt.sh',
                                 'stages': 5,
                                 'epochs': 26,
                                 'steps': 5876,
                                 'batch_size': 128,
                                 'train_seconds': 3468,
                                 'machine': '2-core AMD EPYC (avx512_bf16), '
                                            'no GPU'},
                    'storage': {'dtype': 'int8',
                                'float32_test_bleu': {'beam': 35.09,
                                                      'greedy': 33.01}},
                    'size_mb': 13.6},
    },
    "pointer_generator_summ": {
        "task": "summarization",
        "description": "BiLSTM encoder, pointer-generator LSTM decoder "
                       "(copying from the source) with additive attention, "
                       "coverage and the coverage loss.",
        "paper": "See et al. 2017",
        "user_defined_symbols": _SPEAKER_TAGS,
        "parameters": 5_691_889,
        "config": {
            "encoder": _SUMM_ENCODER,
            "decoder": {"class_name": "PointerGeneratorDecoder",
                        "cell": "lstm", "units": 256, "embedding_dim": 128,
                        "dropout": 0.2, "input_feeding": True,
                        "coverage_loss_weight": 1.0,
                        "generator_vocab_size": 6000},
            "attention": {"class_name": "ContentAttention", "units": 256,
                          "score": "additive", "use_coverage": True},
            "source_vocab_size": 8000, "target_vocab_size": 8000,
            "shared_vocabulary": True, "max_source_length": 400,
            "generation": _SUMM_GENERATION,
        },
        "weights": {'file': 'pointer_generator_summ.weights.h5',
                    'sha256': 'b90fcf1b57a5d53ea507769e6feb06ca3e32262193360dea263485e1a3d47936',
                    'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/pointer_generator_summ.weights.h5'},
        "vocab": {'source': {'file': 'pointer_generator_summ.source.spm',
                             'sha256': '207572b5599246a8b26390141ce58ff0fa522d4174e38d09315ad8480cbe1b33',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/pointer_generator_summ.source.spm'},
                  'target': {'file': 'pointer_generator_summ.target.spm',
                             'sha256': '207572b5599246a8b26390141ce58ff0fa522d4174e38d09315ad8480cbe1b33',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/pointer_generator_summ.target.spm'}},
        "metrics": {'dialogsum_dev_beam': {'rouge1': 37.87,
                                           'rouge2': 12.80,
                                           'rougeL': 30.21,
                                           'examples': 500,
                                           'search': {'method': 'beam',
                                                      'beam_size': 4}},
                    'dialogsum_dev_greedy': {'rouge1': 36.77,
                                             'rouge2': 10.78,
                                             'rougeL': 28.63,
                                             'examples': 500,
                                             'search': {'method': 'greedy'}},
                    'training': {'recipe': 'bash zoo/recipes/pointer_generator_summ.sh',
                                 'epochs': 5,
                                 'steps': 1880,
                                 'batch_size': 32,
                                 'stopped': 'early stopping (patience 2) '
                                            'after epoch 5 of 8',
                                 'wall_time_hours': 1.5,
                                 'machine': '2-core Intel Xeon (AVX-512, AMX), no '
                                            'GPU; steps 200-1880 in 1.5 h beside '
                                            'other work, steps 0-200 in an '
                                            'earlier session'},
                    'storage': {'dtype': 'int8',
                                'float32_dev_rouge1': {'beam': 38.06,
                                                       'greedy': 36.79}},
                    'size_mb': 5.5},
    },
    "bigru_attn_summ": {
        "task": "summarization",
        "description": "BiGRU encoder, GRU decoder with additive attention; "
                       "repeated trigrams are blocked in search by default.",
        "paper": "Bahdanau et al. 2015; Paulus et al. 2018 (n-gram blocking)",
        "user_defined_symbols": _SPEAKER_TAGS,
        "parameters": 5_715_008,
        "config": {
            "encoder": {**_SUMM_ENCODER, "cell": "gru"},
            "decoder": {"class_name": "AttentionDecoder", "cell": "gru",
                        "units": 256, "embedding_dim": 128, "dropout": 0.2,
                        "input_feeding": True},
            "attention": {"class_name": "ContentAttention", "units": 256,
                          "score": "additive"},
            "source_vocab_size": 8000, "target_vocab_size": 8000,
            "shared_vocabulary": True, "max_source_length": 400,
            "generation": _SUMM_GENERATION,
        },
        "weights": {'file': 'bigru_attn_summ.weights.h5',
                    'sha256': 'f3af225d0b94ee9ed9d7587e00b2ae3bc2d924a4e10a496507784516e5db6a84',
                    'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bigru_attn_summ.weights.h5'},
        "vocab": {'source': {'file': 'bigru_attn_summ.source.spm',
                             'sha256': '207572b5599246a8b26390141ce58ff0fa522d4174e38d09315ad8480cbe1b33',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bigru_attn_summ.source.spm'},
                  'target': {'file': 'bigru_attn_summ.target.spm',
                             'sha256': '207572b5599246a8b26390141ce58ff0fa522d4174e38d09315ad8480cbe1b33',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/bigru_attn_summ.target.spm'}},
        "metrics": {'dialogsum_dev_beam': {'rouge1': 30.34,
                                           'rouge2': 7.61,
                                           'rougeL': 24.68,
                                           'examples': 500,
                                           'search': {'method': 'beam',
                                                      'beam_size': 4}},
                    'dialogsum_dev_greedy': {'rouge1': 31.97,
                                             'rouge2': 7.50,
                                             'rougeL': 25.38,
                                             'examples': 500,
                                             'search': {'method': 'greedy'}},
                    'training': {'recipe': 'bash zoo/recipes/bigru_attn_summ.sh',
                                 'epochs': 8,
                                 'steps': 3008,
                                 'batch_size': 32,
                                 'stopped': '2 epochs with a copy path, then '
                                            'the 6 epochs asked for',
                                 'wall_time_hours': 0.8,
                                 'machine': '2-core AMD EPYC (avx512_bf16), '
                                            'no GPU; beside other work'},
                    'storage': {'dtype': 'int8',
                                'float32_dev_rouge1': {'beam': 30.58,
                                                       'greedy': 31.98}},
                    'size_mb': 5.6},
    },
    "cnn_attn_caption": {
        "task": "captioning",
        # Captions use few distinct words: a unigram model kept 44 pieces
        # besides the bytes and spelt most words letter by letter (31 pieces
        # for a 12-word caption); BPE merges them into words.
        "subword_model": "bpe",
        "description": "Small CNN image encoder (features with coordinates), "
                       "LSTM decoder with soft additive attention and "
                       "doubly stochastic attention regularisation.",
        "paper": "Xu et al. 2015 (Show, Attend and Tell)",
        "parameters": 1_568_288,
        "config": {
            "encoder": _CAPTION_ENCODER,
            "decoder": {"class_name": "AttentionDecoder", "cell": "lstm",
                        "units": 256, "embedding_dim": 128, "dropout": 0.2,
                        "input_feeding": True,
                        # The penalty sums over the 64 image regions (as in
                        # the paper); 1.0 drowned the caption loss (a first
                        # run learnt no captions in an epoch): 1/64 weighs
                        # it like the per-region mean most code uses.
                        "attention_regularization": 0.015},
            "attention": {"class_name": "ContentAttention", "units": 256,
                          "score": "additive"},
            "target_vocab_size": 512, "image_size": 64,
            "generation": _CAPTION_GENERATION,
        },
        "weights": {'file': 'cnn_attn_caption.weights.h5',
                    'sha256': '63c17806c16592d73b14de19710cc0525a2018f7638d2114399382fe8a4c318b',
                    'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/cnn_attn_caption.weights.h5'},
        "vocab": {'target': {'file': 'cnn_attn_caption.target.spm',
                             'sha256': '65bcc4966af6a6c32f73246c5fd34f6ebf700118cc5272759d5187aaacc8b617',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/cnn_attn_caption.target.spm'}},
        "metrics": {'shapes_val_beam': {'BLEU-4': 92.583,
                                        'CIDEr-D': 575.919,
                                        'correct_share': 1.0,
                                        'examples': 600,
                                        'references_per_image': 3,
                                        'search': {'beam_size': 3, 'method': 'beam'}},
                    'shapes_val_greedy': {'BLEU-4': 95.792,
                                          'CIDEr-D': 585.677,
                                          'correct_share': 0.998,
                                          'examples': 600,
                                          'references_per_image': 3,
                                          'search': {'method': 'greedy'}},
                    'size_mb': 6.0,
                    'training': {'batch_size': 64,
                                 'epochs': 12,
                                 'machine': 'stage 1: 2-core AMD EPYC CPU (AVX2), '
                                            'no GPU, 0.9 h shared with another '
                                            'training; stage 2: 2-core Intel Xeon '
                                            '(AVX-512, AMX), no GPU, 0.27 h '
                                            'shared with another training',
                                 'recipe': 'bash zoo/recipes/cnn_attn_caption.sh',
                                 'steps': 3036,
                                 'wall_time_hours': 1.2}},
    },
    "cnn_location_caption": {
        "task": "captioning",
        # Captions use few distinct words: a unigram model kept 44 pieces
        # besides the bytes and spelt most words letter by letter (31 pieces
        # for a 12-word caption); BPE merges them into words.
        "subword_model": "bpe",
        "description": "Small CNN image encoder, LSTM decoder with "
                       "location-aware attention over the previous alignment.",
        "paper": "Xu et al. 2015; Chorowski et al. 2015",
        "parameters": 1_572_528,
        "config": {
            "encoder": _CAPTION_ENCODER,
            "decoder": {"class_name": "AttentionDecoder", "cell": "lstm",
                        "units": 256, "embedding_dim": 128, "dropout": 0.2,
                        "input_feeding": True},
            "attention": {"class_name": "LocationAttention", "units": 256,
                          "mode": "location_aware", "filters": 16,
                          "kernel_size": 9},
            "target_vocab_size": 512, "image_size": 64,
            "generation": _CAPTION_GENERATION,
        },
        "weights": {'file': 'cnn_location_caption.weights.h5',
                    'sha256': '281bc463463de5f00ac32bf95a9727ea0e7ed06946bb63bad875717b85fa7cb3',
                    'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/cnn_location_caption.weights.h5'},
        "vocab": {'target': {'file': 'cnn_location_caption.target.spm',
                             'sha256': '65bcc4966af6a6c32f73246c5fd34f6ebf700118cc5272759d5187aaacc8b617',
                             'url': 'https://github.com/keras-s2s/keras-s2s/raw/main/saved_models/cnn_location_caption.target.spm'}},
        "metrics": {'shapes_val_beam': {'BLEU-4': 91.573,
                                        'CIDEr-D': 571.955,
                                        'correct_share': 0.995,
                                        'examples': 600,
                                        'references_per_image': 3,
                                        'search': {'beam_size': 3, 'method': 'beam'}},
                    'shapes_val_greedy': {'BLEU-4': 95.861,
                                          'CIDEr-D': 600.630,
                                          'correct_share': 0.987,
                                          'examples': 600,
                                          'references_per_image': 3,
                                          'search': {'method': 'greedy'}},
                    'size_mb': 6.0,
                    'training': {'batch_size': 64,
                                 'epochs': 12,
                                 'machine': '2-core Intel Xeon (AVX-512, AMX), no '
                                            'GPU; stage 1 0.25 h (its first half '
                                            'shared with a test run), stage 2 '
                                            '0.18 h alone',
                                 'recipe': 'bash zoo/recipes/cnn_location_caption.sh',
                                 'steps': 3036,
                                 'wall_time_hours': 0.45}},
    },
}
