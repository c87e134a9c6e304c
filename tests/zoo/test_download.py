"""The pip user's path: shipped files come over real HTTP on 127.0.0.1 from
a release folder, with the checkout's saved_models/ hidden."""

import os
import pathlib

import pytest

import keras_s2s.zoo.weights as weights
from keras_s2s import zoo
from release_server import ReleaseServer

NAME = "bilstm_attn_mt"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    folder = tmp_path_factory.mktemp("release")
    sums = zoo.write_release(folder)
    assert f"  {NAME}.weights.h5" in sums.read_text()
    server = ReleaseServer(folder)
    yield server
    server.close()


@pytest.fixture
def no_checkout(monkeypatch, tmp_path):
    """The package as a pip install sees it: no saved_models/ beside it."""
    monkeypatch.setattr(weights, "CHECKOUT_MODELS", tmp_path / "no-checkout")


def test_load_downloads_verifies_caches_and_then_stays_local(
        release, no_checkout, tmp_path, monkeypatch):
    release.mode, release.requests[:] = "ok", []
    monkeypatch.setenv("KERAS_S2S_WEIGHTS_URL", release.url)
    cache = tmp_path / "cache"
    model = zoo.load(NAME, cache_dir=cache)
    assert sorted(release.requests) == sorted(
        f"/{f}" for f in (f"{NAME}.weights.h5", f"{NAME}.source.spm",
                          f"{NAME}.target.spm"))
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        r.lstrip("/") for r in release.requests)  # no partial files
    assert model.generate(["Two dogs are playing in the snow."],
                          method="greedy") == ["Zwei Hunde spielen im Schnee."]
    zoo.load(NAME, cache_dir=cache)
    assert len(release.requests) == 3  # the second load made no request


def test_the_shipped_shortlist_downloads_verifies_and_fits_the_model(
        release, no_checkout, tmp_path):
    import numpy as np

    from keras_s2s.generation import VocabularyShortlist

    release.mode, release.requests[:] = "ok", []
    cache = tmp_path / "cache"
    spec = zoo.describe(NAME)["shortlist"]
    shortlist = zoo.load_shortlist(NAME, cache_dir=cache,
                                   weights_url=release.url)
    assert release.requests == [f"/{spec['file']}"]
    assert sorted(p.name for p in cache.iterdir()) == [spec["file"]]
    # What came over HTTP is the checkout's file, read the same.
    checkout = VocabularyShortlist.load(
        pathlib.Path(__file__).resolve().parents[2] / "saved_models"
        / spec["file"])
    np.testing.assert_array_equal(shortlist.table, checkout.table)
    np.testing.assert_array_equal(shortlist.frequent, checkout.frequent)
    assert shortlist.size == spec["size"]
    assert len(shortlist.frequent) == spec["frequent"]
    zoo.load_shortlist(NAME, cache_dir=cache, weights_url=release.url)
    assert len(release.requests) == 1  # cached
    release.mode = "corrupt"
    with pytest.raises(ValueError, match=r"shortlist\.npz.*sha256"):
        zoo.load_shortlist(NAME, cache_dir=tmp_path / "other",
                           weights_url=release.url)
    assert list((tmp_path / "other").iterdir()) == []
    with pytest.raises(ValueError, match="ships no vocabulary shortlist.*"
                                         "bilstm_attn_mt"):
        zoo.load_shortlist("gru_luong_mt")


@pytest.mark.parametrize("mode", ["corrupt", "drop"])
def test_a_bad_download_leaves_nothing_in_the_cache(mode, release,
                                                    no_checkout, tmp_path):
    release.mode, release.requests[:] = mode, []
    cache = tmp_path / "cache"
    expected = ValueError if mode == "corrupt" else FileNotFoundError
    with pytest.raises(expected) as error:
        zoo.load(NAME, cache_dir=cache, weights_url=release.url)
    message = str(error.value)
    assert f"{NAME}.weights.h5" in message
    if mode == "corrupt":
        assert "sha256" in message and "not kept" in message
    else:
        assert "closed after" in message
    assert list(cache.iterdir()) == []


def test_offline_error_names_the_file_places_url_and_ways_out(
        no_checkout, tmp_path, monkeypatch):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/files/"
    monkeypatch.setenv("KERAS_S2S_WEIGHTS_URL", url)
    with pytest.raises(FileNotFoundError) as error:
        zoo.load(NAME, cache_dir=tmp_path / "cache")
    message = str(error.value)
    for needle in (f"{NAME}.weights.h5", str(tmp_path / "cache"),
                   "no-checkout", url + f"{NAME}.weights.h5",
                   "weights=PATH", "KERAS_S2S_WEIGHTS_URL",
                   "keras-s2s zoo download"):
        assert needle in message, needle


def test_cli_download_fetches_ahead(release, no_checkout, tmp_path, capsys,
                                    unshipped):
    from keras_s2s.cli import main
    from keras_s2s.zoo.weights import sha256_of

    release.mode, release.requests[:] = "ok", []
    assert main(["zoo", "download", "cnn_attn_caption", "--cache-dir",
                 str(tmp_path / "c"), "--weights-url", release.url]) == 0
    assert sorted(os.listdir(tmp_path / "c")) == [
        "cnn_attn_caption.target.spm", "cnn_attn_caption.weights.h5"]
    # What was cached is what the preset ships, and a load afterwards uses
    # it without another request.
    preset = zoo.describe("cnn_attn_caption")
    for spec in (preset["weights"], preset["vocab"]["target"]):
        assert sha256_of(tmp_path / "c" / spec["file"]) == spec["sha256"]
    fetched = len(release.requests)
    zoo.load("cnn_attn_caption", cache_dir=tmp_path / "c",
             weights_url=release.url)
    assert len(release.requests) == fetched
    capsys.readouterr()
    assert main(["zoo", "download", unshipped]) == 2
    assert "ships no weights" in capsys.readouterr().err
