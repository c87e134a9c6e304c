from keras_s2s.cli import main
from keras_s2s.demo import make_reversal_data
from keras_s2s.demo import run_demo


def test_reversal_data_is_consistent():
    src, tin, tout = make_reversal_data(20, seed=1)
    for s, i, o in zip(src, tin, tout):
        n = int((s != 0).sum())
        assert list(o[:n]) == list(s[:n][::-1])
        assert o[n] == 3 and i[0] == 2
        assert list(i[1:n + 1]) == list(o[:n])


def test_demo_learns_to_reverse(capsys):
    accuracy = run_demo(epochs=3, num_examples=6000, seed=0)
    out = capsys.readouterr().out
    assert "Attention" in out
    assert accuracy >= 0.75
    # The printed table is true: "yes" rows are reversed inputs, "no" rows
    # are not, and the count matches them.
    # Columns: input (10 wide), two spaces, output (10 wide), two spaces, ok.
    rows = [(line[:10].strip(), line[12:22].strip(), line[24:].strip())
            for line in out.splitlines()
            if len(line) >= 25 and line[24:].strip() in ("yes", "no")]
    assert rows
    for inp, output, ok in rows:
        assert (output == inp[::-1]) == (ok == "yes"), (inp, output, ok)
    correct = sum(ok == "yes" for _, _, ok in rows)
    assert f"\n{correct}/{len(rows)} reversed correctly." in out
    assert accuracy == correct / len(rows)


def test_cli_help(capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "demo" in capsys.readouterr().out
