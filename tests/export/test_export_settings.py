"""Export settings: defaults from the model, refusals with the reason."""

import types

import pytest

from keras_s2s.export import ExportSettings


def model_with(**generation):
    return types.SimpleNamespace(generation_config=generation)


def test_serving_default_searches_as_the_model_unless_told():
    assert ExportSettings.for_model(model_with(method="beam")).search == "beam"
    assert ExportSettings.for_model(
        model_with(method="greedy")).search == "greedy"
    assert ExportSettings.for_model(model_with()).search == "beam"
    settings = ExportSettings.for_model(model_with(method="beam", beam_size=4),
                                        search="greedy")
    assert settings.to_dict()["serving_default"] == {"search": "greedy"}
    assert settings.to_dict()["nbest"]["beam_size"] == 4


@pytest.mark.parametrize("overrides,words", [
    ({"search": "sample"}, "search 'sample' must be one of beam, greedy"),
    ({"beam_size": 20, "max_beam_size": 16}, "beam_size 20 must be in"),
    ({"num_return": 3, "beam_size": 2}, "num_return 3 must be in 1..beam"),
    ({"signatures": "serving_default,nbset"},
     "unknown signature.s. nbset; the signatures are serving_default, nbest"),
    ({"signatures": ("nbest",)}, "must include serving_default"),
])
def test_bad_settings_are_refused_with_the_reason(overrides, words):
    with pytest.raises(ValueError, match=words):
        ExportSettings.for_model(model_with(), **overrides)


def test_the_cli_passes_search_through():
    from keras_s2s.cli import build_parser

    args = build_parser().parse_args(
        ["export", "bilstm_attn_mt", "--out", "x", "--search", "greedy"])
    assert args.search == "greedy"
    with pytest.raises(SystemExit):
        build_parser().parse_args(
            ["export", "bilstm_attn_mt", "--out", "x", "--search", "sample"])


@pytest.mark.parametrize("flag, default, other, bad", [
    ("--kernel-layout", "auto", "out_in", "ba"),
    ("--first-step", "apart", "in-loop", "first"),
])
def test_export_flag_defaults_choices_and_a_bad_one(flag, default, other,
                                                    bad):
    from keras_s2s.cli import build_parser

    base = ["export", "bilstm_attn_mt", "--out", "x"]
    name = flag[2:].replace("-", "_")
    assert getattr(build_parser().parse_args(base), name) == default
    assert getattr(build_parser().parse_args(base + [flag, other]),
                   name) == other
    with pytest.raises(SystemExit):
        build_parser().parse_args(base + [flag, bad])


def test_signatures_default_to_all_three_and_keep_their_order():
    assert ExportSettings.for_model(model_with()).signatures == (
        "serving_default", "nbest", "nbest_options_unbatched")
    settings = ExportSettings.for_model(
        model_with(), signatures="nbest_options_unbatched, serving_default")
    assert settings.signatures == ("serving_default",
                                   "nbest_options_unbatched")
    assert settings.to_dict()["signatures"] == list(settings.signatures)
