"""keras-s2s against OpenNMT-py 3.5.1, measured in the same run on this CPU.

Sets the peer up in its own virtual environment as
`../shared/peers/opennmt-py/README.md` says (torch CPU from the local wheel
folder pip already searches), trains its model of our size (BiLSTM 2x256,
LSTM 512, additive attention, input feeding: 12.3M parameters) for
`--train-steps` steps on the tokenized Multi30k it uses (speed, not
quality, is compared), then measures on test_2016_flickr:

- beam 5 and greedy at batch 32 (sentences/s), one sentence with beam 5
  (median and p90 ms), peak memory of the decoding process: the peer
  through `onmt_translate` and its Python inference API (`latency.py`),
  ours through SavedModels written by `keras-s2s export` (beam, and
  `--search greedy`) and called from a process that imports only
  tensorflow and tensorflow_text (`benchmarks/serve_savedmodel.py`), and
  the same requests on TF Serving's C++ path (`benchmarks/serve_cpp.py`:
  `LoadSavedModel` and `Session::Run` in a C++ process, as the model
  server runs them, without its gRPC/REST front end), and both peaks
  again with glibc's malloc arenas capped (`MALLOC_ARENA_MAX=2` for the
  peer's beam run and our C++ one: a setting of the server's environment,
  the same on both sides), and ours once more with TensorFlow's own
  allocator for host memory (`TF_CPU_ALLOCATOR_USE_BFC=true`, against the
  peer's peak at its defaults: torch has no such setting). Both beam searches
  stop a sentence once its best hypothesis has finished, the peer's rule
  (`keras-s2s export --settle best`); a row gives ours with the exact
  stop too. Every export is written before anything is timed, then
  `--rounds` rounds (default 3) measure the peer and ours in alternating
  order, so that a noisy minute of a shared machine falls on both; the
  table gives the medians of the rounds and each round's ratio;
- training sentences/s at batch 64: `onmt_train` against `keras-s2s train`
  of `bilstm_attn_mt` in its default configuration, same number of steps.

Prints the CPU, its bf16 flags and a table with ratios (ours / peer; for
latency and memory, peer / ours, so above 1 is better for us throughout).

    python benchmarks/peer_opennmt.py [--work /tmp/keras_s2s_peer]
        [--train-steps 300] [--sentences 1000] [--rounds 3] [--skip-train]
"""

import argparse
import gzip
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PEER = SHARED / "peers" / "opennmt-py"
TOK = SHARED / "data" / "multi30k" / "tok"
RAW_TEST = SHARED / "data" / "multi30k" / "test_2016_flickr.en.gz"
# A word, a punctuation mark or the peer's <unk>: how output lengths are
# counted.
WORD = re.compile(r"<unk>|\w+|[^\w\s]")
# glibc's malloc keeps up to 8 arenas per core for a multi-threaded process;
# a server can cap them (both sides get the same cap in the rows that say so).
ARENAS = {"MALLOC_ARENA_MAX": "2"}
# TensorFlow's own best-fit allocator for host memory in place of malloc: a
# setting of a TensorFlow server's environment (the peer has no such switch).
TF_BFC = {"TF_CPU_ALLOCATOR_USE_BFC": "true"}
BIN = pathlib.Path(sys.executable).parent


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command, cwd=None, env=None, log_to=None):
    """Runs `command`; returns (output text, peak resident MB, seconds)."""
    env = dict(os.environ, **(env or {}))
    out = open(log_to or os.devnull, "w")
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in command], cwd=cwd, env=env,
                            stdout=out, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out.close()
    text = pathlib.Path(log_to).read_text() if log_to else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(map(str, command))}\n"
                         f"{text[-3000:]}")
    return text, usage.ru_maxrss / 1024, seconds


def cpu_facts():
    info = pathlib.Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.*)", info)
    flags = re.search(r"flags\s*:\s*(.*)", info)
    flags = flags.group(1).split() if flags else []
    wanted = sorted(f for f in flags if "bf16" in f or f.startswith("amx"))
    return (model.group(1) if model else "unknown CPU", os.cpu_count(),
            wanted)


def setup_peer(venv):
    """The peer's own virtual environment (idempotent)."""
    onmt = venv / "bin" / "onmt_train"
    if onmt.exists():
        return
    log(f"installing OpenNMT-py 3.5.1 into {venv} (a few minutes)")
    python = shutil.which("python3.11") or sys.executable
    run([python, "-m", "venv", venv])
    pip = [venv / "bin" / "pip", "install", "-q",
           "--disable-pip-version-check"]
    run(pip + ["torch==2.13.0+cpu"])
    run(pip + ["--no-deps", "opennmt-py==3.5.1"])
    run(pip + ["numpy", "configargparse", "pyyaml", "sacrebleu", "six",
               "tensorboard", "pyonmttok", "rapidfuzz", "flask", "waitress"])
    constraint = venv / "torch-constraint.txt"
    constraint.write_text("torch==2.13.0+cpu\n")
    run(pip + ["-c", constraint, "pyahocorasick", "fasttext-wheel", "spacy"])


def peer_data(work):
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    for gz in TOK.glob("*.gz"):
        target = data / gz.name[:-3]
        if not target.exists():
            with gzip.open(gz, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return data


def peer_config(name, work, data, steps):
    text = (PEER / name).read_text()
    text = text.replace("$RUN", str(work)).replace("$DATA", str(data))
    if name == "train.yaml":
        text = re.sub(r"save_checkpoint_steps: \d+",
                      f"save_checkpoint_steps: {steps}", text)
        text = re.sub(r"valid_steps: \d+", f"valid_steps: {steps + 1000}",
                      text)
    path = work / name
    path.write_text(text)
    return path


def train_peer(venv, work, data, steps):
    checkpoint = work / "ckpt" / f"m30k_step_{steps}.pt"
    if not (work / "vocab.de").exists():
        run([venv / "bin" / "onmt_build_vocab", "-config",
             peer_config("vocab.yaml", work, data, steps), "-n_sample", "-1"])
        english = work / "vocab.en"
        english.write_text("".join(
            line for line in english.read_text().splitlines(keepends=True)
            if not line.startswith("\t")))
    log(f"onmt_train, {steps} steps at batch 64")
    text, _, _ = run([venv / "bin" / "onmt_train", "-config",
                      peer_config("train.yaml", work, data, steps),
                      "-train_steps", steps], log_to=work / "train.log")
    # "Step 100/ 300; ... sents:    3200; ... 1313 tok/s;     45 sec"
    reports = [(int(m.group(1)), float(m.group(2)))
               for m in re.finditer(r"sents:\s*(\d+);.*?(\d+) sec", text)]
    if len(reports) < 2:
        raise SystemExit(f"no training reports in {work / 'train.log'}")
    sentences = sum(n for n, _ in reports[1:])
    return checkpoint, sentences / (reports[-1][1] - reports[0][1])


def decode_peer(venv, work, data, checkpoint, beam, n, env=None):
    source = work / "test.tok.en"
    lines = (data / "test_2016_flickr.lc.norm.tok.en").read_text()
    source.write_text("".join(lines.splitlines(keepends=True)[:n]))
    env = {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1", **(env or {})}
    text, peak, _ = run(
        [venv / "bin" / "onmt_translate", "-model", checkpoint, "-src",
         source, "-output", work / f"out.beam{beam}.de", "-beam_size", beam,
         "-batch_size", 32, "-batch_type", "sents", "-report_time",
         "-gpu", -1], env=env, log_to=work / f"translate.beam{beam}.log")
    return n / peer_seconds(text, work / f"out.beam{beam}.de"), peak


def peer_seconds(log, output):
    """`onmt_translate`'s decoding time from its `-report_time` lines. It
    prints the total to 0.1 s only (1,000 sentences in 2.5 s: 400 sent/s,
    in 2.4 s: 417) but tokens per second to 0.1 token, over the tokens of
    its best outputs (`len(pred_sents[0])`, the words of each line it
    writes): their count over that rate is the time to a few digits more."""
    total = float(re.search(r"Total translation time \(s\):\s*([\d.]+)",
                            log).group(1))
    rate = re.search(r"Tokens per second:\s*([\d.]+)", log)
    words = sum(len(line.split()) for line in
                pathlib.Path(output).read_text(encoding="utf-8").splitlines())
    if rate and float(rate.group(1)) > 0 and words:
        return words / float(rate.group(1))
    return total


def latency_peer(venv, work, checkpoint, n):
    env = {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}
    text, _, _ = run(
        [venv / "bin" / "python", PEER / "latency.py", "-model", checkpoint,
         "-src", work / "test.tok.en", "-output", work / "lat.de",
         "-beam_size", 5, "-batch_size", 1, "-batch_type", "sents",
         "-gpu", -1, "-n", n], env=env, log_to=work / "latency.log")
    m = re.search(r"median ([\d.]+).*?p90 ([\d.]+)", text)
    return float(m.group(1)), float(m.group(2))


def export_options(args):
    """The `keras-s2s export` speed options this run measures."""
    options = ["--output-precision", args.output_precision,
               "--recurrent-precision", args.recurrent_precision,
               "--settle", args.settle]
    if args.shortlist:
        options += ["--shortlist", args.shortlist]
        for flag in ("size", "frequent"):
            value = getattr(args, f"shortlist_{flag}")
            if value is not None:
                options += [f"--shortlist-{flag}", str(value)]
    return options


def export_ours(work, search, options, label=None):
    """A fresh export every run (one left by an older keras-s2s would be
    measured otherwise)."""
    out = work / f"ours-{label or search}"
    shutil.rmtree(out, ignore_errors=True)
    log(f"keras-s2s export --search {search} {' '.join(options)}")
    run([BIN / "keras-s2s", "export", "bilstm_attn_mt", "--out", out,
         "--version", 1, "--search", search, *options])
    return out / "1"


def output_words(path):
    """Words per output line of `path`, split alike for both systems (the
    peer writes tokenized lowercase text, ours detokenized text)."""
    lines = pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    return sum(len(WORD.findall(line)) for line in lines) / len(lines)


def decode_ours(work, saved_model, n, latency_n, output=None):
    extra = ["--output", output] if output else []
    text, peak, _ = run(
        [sys.executable, ROOT / "benchmarks" / "serve_savedmodel.py",
         saved_model, RAW_TEST, "--sentences", n, "--latency-n", latency_n,
         *extra], log_to=work / "serve.log")
    result = json.loads(text.strip().splitlines()[-1])
    result["peak_mb"] = peak
    return result


def decode_ours_cpp(work, saved_model, n, latency_n, extra=(), env=None):
    """The same requests on TF Serving's C++ path (`serve_cpp.py`): the
    harness's own Session::Run times and its process's peak memory."""
    text, _, _ = run(
        [sys.executable, ROOT / "benchmarks" / "serve_cpp.py",
         saved_model, RAW_TEST, "--sentences", n, "--latency-n", latency_n,
         *extra], env=env, log_to=work / "serve_cpp.log")
    return json.loads(text.strip().splitlines()[-1])


def train_ours(work, steps):
    """`keras-s2s train` of bilstm_attn_mt, defaults, one epoch of
    `steps` batches of 64; sentences/s from Keras' ms/step."""
    out = work / "ours-train"
    shutil.rmtree(out, ignore_errors=True)
    log(f"keras-s2s train, {steps} steps at batch 64")
    text, _, _ = run(
        [BIN / "keras-s2s", "train", "--model", "bilstm_attn_mt", "--data",
         "multi30k:en-de", "--out", out, "--epochs", 1, "--batch-size", 64,
         "--max-examples", 64 * steps, "--checkpoint-every", 10 ** 6],
        log_to=work / "ours-train.log")
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # Keras' bar colours
    # The bar's first full line ("200/200 ... 891ms/step") times the
    # training steps; the next one adds the end-of-epoch validation.
    times = re.findall(r"(\d+)/\1 \S+ \d+s (\d+)(m?s)/step", text)
    if not times:
        raise SystemExit(f"no step time in {work / 'ours-train.log'}")
    _, value, unit = times[0]
    seconds = float(value) / (1000 if unit == "ms" else 1)
    return 64 / seconds


def decode_round(args, work, venv, data, checkpoint, exports, peer_first):
    """One round of every decoding measurement, the peer's and ours, the
    peer first or last: returns {name: value}."""
    def peer():
        beam, peak = decode_peer(venv, work, data, checkpoint, 5,
                                 args.sentences)
        greedy, _ = decode_peer(venv, work, data, checkpoint, 1,
                                args.sentences)
        median, p90 = latency_peer(venv, work, checkpoint, args.latency_n)
        _, capped = decode_peer(venv, work, data, checkpoint, 5,
                                args.sentences, env=ARENAS)
        return {"peer beam": beam, "peer peak": peak, "peer greedy": greedy,
                "peer capped peak": capped,
                "peer median": median, "peer p90": p90,
                "peer words": output_words(work / "out.beam5.de")}

    def ours():
        n, lat = args.sentences, args.latency_n
        beam = decode_ours(work, exports["beam"], n, lat,
                           output=work / "ours.beam5.de")
        greedy = decode_ours(work, exports["greedy"], n, 0)
        other = decode_ours(work, exports["other"], n, 0)
        cpp = decode_ours_cpp(work, exports["beam"], n, lat)
        # The harness loads the 2 tensorflow-text op libraries the graphs
        # use; with all 22 (each with its own copy of their shared code,
        # which the model server links once), for comparison.
        cpp_all = decode_ours_cpp(work, exports["beam"], n, 1,
                                  ["--all-op-libraries"])
        slim = decode_ours_cpp(work, exports["slim"], n, 1)
        # Like the two peaks above it: the batches, then one sentence alone.
        capped = decode_ours_cpp(work, exports["beam"], n, 1, env=ARENAS)
        bfc = decode_ours_cpp(work, exports["beam"], n, 1, env=TF_BFC)
        return {"beam": beam["sentences_per_s"],
                "median": beam["latency_median_ms"],
                "p90": beam["latency_p90_ms"], "peak": beam["peak_mb"],
                "greedy": greedy["sentences_per_s"],
                "other": other["sentences_per_s"],
                "cpp beam": cpp["sentences_per_s"],
                "cpp median": cpp["latency_median_ms"],
                "cpp peak": cpp["peak_mb"], "cpp all peak": cpp_all["peak_mb"],
                "slim peak": slim["peak_mb"],
                "cpp capped peak": capped["peak_mb"],
                "cpp bfc peak": bfc["peak_mb"],
                "words": output_words(work / "ours.beam5.de")}

    sides = (peer, ours) if peer_first else (ours, peer)
    values = {}
    for side in sides:
        log(f"decoding: {'the peer' if side is peer else 'keras-s2s'}")
        values.update(side())
    return values


def decode_rows(args, work, venv, data, checkpoint):
    """The decoding rows: `--rounds` rounds of the peer's and ours (through
    SavedModels), in alternating order; medians, and each round's ratio."""
    options = export_options(args)
    # The other stop rule, for comparison (the default `best` is the
    # peer's own: a sentence ends once its best hypothesis has).
    other = "exact" if args.settle == "best" else "best"
    other_options = options[:options.index("--settle")] + ["--settle", other]
    # All exports first, so that no export runs beside a measurement.
    exports = {
        "beam": export_ours(work, "beam", options),
        "greedy": export_ours(work, "greedy", options),
        "other": export_ours(work, "beam", other_options,
                             label=f"beam-settle-{other}"),
        # serving_default alone (`--signatures`): one search graph for the
        # server to hold instead of three.
        "slim": export_ours(work, "beam",
                            options + ["--signatures", "serving_default"],
                            label="beam-serving-default"),
    }
    rounds = [decode_round(args, work, venv, data, checkpoint, exports,
                           peer_first=r % 2 == 0)
              for r in range(args.rounds)]

    def row(name, peer_key, ours_key, higher_is_better=True):
        peer = [r[peer_key] for r in rounds]
        ours = [r[ours_key] for r in rounds]
        ratios = [(o / p if higher_is_better else p / o)
                  for p, o in zip(peer, ours)]
        median_peer, median_ours = statistics.median(peer), \
            statistics.median(ours)
        ratio = (median_ours / median_peer if higher_is_better
                 else median_peer / median_ours)
        return name, median_peer, median_ours, ratio, ratios

    def words_row(rounds):
        for r in rounds:
            r["peer words/s"] = r["peer beam"] * r["peer words"]
            r["words/s"] = r["beam"] * r["words"]
        return row("  the same in output words/s", "peer words/s", "words/s")

    return [
        row("beam 5, batch 32 (sent/s)", "peer beam", "beam"),
        row(f"  the same, export --settle {other}", "peer beam", "other"),
        # The peer's model, trained a few hundred steps, stops sooner: its
        # sentences per second are over shorter outputs.
        row("  output words per sentence (beam 5; more is not better)",
            "peer words", "words"),
        words_row(rounds),
        row("greedy, batch 32 (sent/s)", "peer greedy", "greedy"),
        row("one sentence, beam 5, median ms", "peer median", "median",
            False),
        row("one sentence, beam 5, p90 ms", "peer p90", "p90", False),
        row("decoding process peak MB", "peer peak", "peak", False),
        row("C++ serving path: beam 5, batch 32 (sent/s)", "peer beam",
            "cpp beam"),
        row("C++ serving path: one sentence, beam 5, median ms",
            "peer median", "cpp median", False),
        row("C++ serving path: process peak MB", "peer peak", "cpp peak",
            False),
        row("  the same, all 22 tensorflow-text op libraries loaded",
            "peer peak", "cpp all peak", False),
        row("  the same, export --signatures serving_default", "peer peak",
            "slim peak", False),
        row("  the same (all signatures), both with MALLOC_ARENA_MAX=2",
            "peer capped peak", "cpp capped peak", False),
        row("  the same (all signatures), ours with "
            "TF_CPU_ALLOCATOR_USE_BFC=true", "peer peak", "cpp bfc peak",
            False),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=pathlib.Path,
                        default=pathlib.Path("/tmp/keras_s2s_peer"))
    parser.add_argument("--train-steps", type=int, default=300)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--latency-n", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3,
                        help="decoding rounds, the peer's and ours in "
                        "alternating order (default 3): the table gives "
                        "the medians, and each round's ratio")
    parser.add_argument("--skip-train", action="store_true",
                        help="decode only (the peer still trains once, for "
                        "a checkpoint)")
    parser.add_argument("--train-only", action="store_true",
                        help="the training row only (no export, no "
                        "decoding)")
    parser.add_argument("--output-precision", default="auto",
                        choices=("float32", "bfloat16", "auto"),
                        help="keras-s2s export --output-precision (auto: "
                        "bfloat16 where this CPU has bfloat16 units)")
    parser.add_argument("--recurrent-precision", default="auto",
                        choices=("float32", "bfloat16", "auto"),
                        help="keras-s2s export --recurrent-precision")
    parser.add_argument("--settle", default="best",
                        choices=("best", "exact"),
                        help="keras-s2s export --settle: when beam search "
                        "stops a sentence (default best, the peer's rule: "
                        "once its best hypothesis has finished; the other "
                        "rule gets a row of its own)")
    parser.add_argument("--shortlist", default=None,
                        help="keras-s2s export --shortlist (e.g. "
                        "multi30k:en-de; default: none, the full "
                        "vocabulary)")
    parser.add_argument("--shortlist-size", type=int, default=None,
                        help="keras-s2s export --shortlist-size")
    parser.add_argument("--shortlist-frequent", type=int, default=None,
                        help="keras-s2s export --shortlist-frequent")
    args = parser.parse_args()
    if args.train_only and args.skip_train:
        parser.error("--train-only and --skip-train leave nothing to do")
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    model, cores, flags = cpu_facts()
    venv = work / "onmt-venv"
    setup_peer(venv)
    data = peer_data(work)
    checkpoint = work / "ckpt" / f"m30k_step_{args.train_steps}.pt"
    rows = []
    if args.skip_train and checkpoint.exists():
        peer_train = None
    else:
        checkpoint, peer_train = train_peer(venv, work, data,
                                            args.train_steps)
    if not args.train_only:
        rows += decode_rows(args, work, venv, data, checkpoint)
    if not args.skip_train:
        ours_train = train_ours(work, args.train_steps)
        rows.append((f"training, batch 64, {args.train_steps} steps "
                     "(sent/s)", peer_train, ours_train,
                     ours_train / peer_train, [ours_train / peer_train]))
    print(f"\nCPU: {model}, {cores} cores; bf16/AMX flags: "
          f"{' '.join(flags) or 'none'}")
    print("OpenNMT-py 3.5.1 (torch 2.13 CPU) vs keras-s2s bilstm_attn_mt" + (
        "" if args.train_only else
        f"; Multi30k test_2016_flickr, first {args.sentences} sentences, "
        f"ours through its SavedModel (export {' '.join(export_options(args))})"
    ) + "\n")
    print("Decoding: medians of the rounds; the ratio of the medians, then "
          "each round's ratio in the order run.\n")
    print("| measure | OpenNMT-py | keras-s2s | ratio (>1: ours better) | "
          "per round |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name, peer, ours, ratio, ratios in rows:
        each = " / ".join(f"{r:.2f}" for r in ratios)
        print(f"| {name} | {peer:.1f} | {ours:.1f} | {ratio:.2f}x | "
              f"{each} |")


if __name__ == "__main__":
    main()
