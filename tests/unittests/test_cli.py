"""The ``pengi-sb`` command line: every subcommand, streaming output,
--resume after a crash, failures of one file or one batch, exit codes."""

import io
import json

import pytest
from audio_fixtures import write_clip
from model_fixtures import tiny_pretrained_folder

from pengi_sb.inference import Pengi, cli, loading

GEN = ["--max-len", "3", "--beam-size", "2"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tiny_pretrained_folder(str(tmp_path_factory.mktemp("base")), "base")


@pytest.fixture(scope="module")
def pengi(folder):
    return Pengi.from_hparams(source=folder, savedir=folder)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    corrupt = d / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 3)
    return {
        "a": write_clip(str(d / "a.wav"), 0.8, 16000, seed=1),
        "b": write_clip(str(d / "b.wav"), 1.3, 44100, channels=2, freq=300,
                        seed=2),
        "c": write_clip(str(d / "c.flac"), 2.5, 22050, freq=900, seed=3),
        "d": write_clip(str(d / "d.wav"), 0.5, 16000, freq=200, seed=4),
        "corrupt": str(corrupt),
        "missing": str(d / "missing.wav"),
    }


def _run(pengi, argv, stdin=None):
    args = cli.build_parser().parse_args(argv)
    return cli.run(args, pengi=pengi, stream=io.StringIO(), stdin=stdin)


def _lines(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


class Counting:
    """A Pengi stand-in that counts file reads and can fail on a batch."""

    def __init__(self, pengi, fail_on=None, error=RuntimeError):
        self.pengi, self.reads, self.calls = pengi, [], 0
        self.fail_on, self.error = fail_on, error

    def load_audio(self, path):
        self.reads.append(path)
        return self.pengi.load_audio(path)

    def caption_batch(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.fail_on:
            raise self.error("prompt too long for the context")
        return self.pengi.caption_batch(*args, **kwargs)


@pytest.mark.parametrize("argv, keys", [
    (["caption"], {"text", "score"}),
    (["answer", "--question", "is it loud?"], {"text", "score"}),
    (["generate", "--prompt", "generate metadata", "--method", "greedy"],
     {"text", "score"}),
    (["continue", "--text", "a dog"], {"text", "score"}),
    (["describe"], {"text"}),
    (["classify", "--labels", "dog", "rain", "--top-k", "2"],
     {"label", "predicted", "ranking", "scores"}),
    (["embed"], {"embedding"}),
])
def test_each_subcommand(pengi, clips, tmp_path, argv, keys):
    out = tmp_path / "out.jsonl"
    files = [clips["a"], clips["b"], clips["c"]]
    gen = GEN if argv[0] not in ("embed", "classify") else []
    rows, failed = _run(pengi, argv + files + gen + [
        "--output", str(out), "--batch-size", "2"])
    assert failed == 0
    lines = _lines(out)
    assert [r["file"] for r in lines] == files
    assert all(set(r) == {"file"} | keys for r in lines)
    if argv[0] == "classify":
        assert all(len(r["predicted"]) == 2 for r in lines)
        assert all(r["label"] in ("dog", "rain") for r in lines)
    if argv[0] == "embed":
        assert all(len(r["embedding"]) == 24 for r in lines)
    # batching does not change results: one batch of three gives the same
    again, _ = _run(pengi, argv + files + gen + ["--batch-size", "3"])
    assert again == [_approx(r) for r in lines]


def _approx(row):
    """A row with its numbers compared to 1e-4."""
    return {k: pytest.approx(v, abs=1e-4) if k in ("score", "scores",
                                                    "embedding") else v
            for k, v in row.items()}


def test_retrieve_both_ways(pengi, clips, tmp_path):
    out = tmp_path / "r.jsonl"
    texts = ["a dog barks", "rain", "a car horn"]
    files = [clips["a"], clips["b"], clips["c"]]
    rows, failed = _run(pengi, ["retrieve", *files, "--texts", *texts,
                                "--top", "2", "--output", str(out)])
    lines = _lines(out)
    per_file, per_text = lines[:3], lines[3:]
    assert [r["file"] for r in per_file] == files
    assert all(sorted(r["ranking"]) == sorted(texts) for r in per_file)
    assert [r["query"] for r in per_text] == texts
    assert all(len(r["files"]) == 2 for r in per_text)
    emb = pengi.embed_audio_files(files)
    sim = pengi.retrieve(texts, audio_embeddings=emb)["similarity"]
    best = [files[i] for i in sim[1].argsort(descending=True)[:2].tolist()]
    assert per_text[1]["files"] == best


def test_bad_file_among_good_ones(pengi, clips, tmp_path, capsys):
    out = tmp_path / "results.jsonl"
    files = [clips["a"], clips["corrupt"], clips["missing"], clips["c"]]
    counting = Counting(pengi)
    rows, failed = _run(counting, ["caption", *files, *GEN, "--output",
                                   str(out), "--batch-size", "2"])
    assert failed == 2
    lines = _lines(out)
    assert [r["file"] for r in lines] == files
    assert "text" in lines[0] and "text" in lines[3]
    assert "corrupt" in lines[1]["error"] and "missing" in lines[2]["error"]
    assert "skipped" in capsys.readouterr().err
    # each file is read once
    assert counting.reads == files


def test_failed_batch_is_reported_and_the_rest_run(pengi, clips, tmp_path):
    out = tmp_path / "results.csv"
    files = [clips["a"], clips["b"], clips["c"], clips["d"]]
    rows, failed = _run(Counting(pengi, fail_on=1),
                        ["caption", *files, *GEN, "--output", str(out),
                         "--batch-size", "2"])
    assert failed == 2
    table = cli.read_rows(str(out))
    assert [r["file"] for r in table] == files
    assert all("prompt too long" in r["error"] for r in table[:2])
    assert all("text" in r and "error" not in r for r in table[2:])
    assert out.read_text().startswith("file,text,score,error")


def test_crash_keeps_rows_and_resume_finishes(pengi, clips, tmp_path):
    out = tmp_path / "results.jsonl"
    files = [clips["a"], clips["b"], clips["c"], clips["d"]]
    argv = ["caption", *files, *GEN, "--output", str(out), "--batch-size",
            "1"]
    with pytest.raises(KeyboardInterrupt):
        _run(Counting(pengi, fail_on=3, error=KeyboardInterrupt), argv)
    # the two batches that finished are on disk
    assert [r["file"] for r in _lines(out)] == files[:2]
    with open(out, "a", encoding="utf-8") as f:
        f.write('{"file": "cut short by the cra')  # a half-written line
    counting = Counting(pengi)
    rows, failed = _run(counting, argv + ["--resume"])
    assert failed == 0 and counting.reads == files[2:]
    assert [r["file"] for r in _lines(out)] == files
    # resuming a finished run runs nothing
    counting = Counting(pengi)
    _run(counting, argv + ["--resume"])
    assert counting.reads == [] and len(_lines(out)) == 4


def test_resume_retries_failed_files(pengi, clips, tmp_path):
    out = tmp_path / "results.jsonl"
    argv = ["caption", clips["a"], clips["b"], *GEN, "--output", str(out),
            "--batch-size", "1"]
    _, failed = _run(Counting(pengi, fail_on=2), argv)
    assert failed == 1
    counting = Counting(pengi)
    _, failed = _run(counting, argv + ["--resume"])
    assert failed == 0 and counting.reads == [clips["b"]]
    assert all("error" not in r for r in _lines(out))


def test_files_from_list_and_stdin(pengi, clips, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"# clips\n{clips['a']}\n\n{clips['b']}\n")
    rows, _ = _run(pengi, ["embed", "--files-from", str(listing)])
    assert [r["file"] for r in rows] == [clips["a"], clips["b"]]
    rows, _ = _run(pengi, ["embed", clips["c"], "--files-from", "-"],
                   stdin=io.StringIO(clips["d"] + "\n"))
    assert [r["file"] for r in rows] == [clips["c"], clips["d"]]


def test_main_end_to_end_and_exit_codes(folder, clips, tmp_path, capsys,
                                        monkeypatch):
    out = tmp_path / "o.jsonl"
    assert cli.main(["answer", clips["a"], "--question", "is it loud?",
                     "--source", folder, "--device", "cpu", "--max-len",
                     "2", "--output", str(out)]) == 0
    assert len(_lines(out)) == 1
    assert cli.main(["caption", clips["a"], clips["missing"], "--source",
                     folder, "--max-len", "2"]) == 1
    # usage errors exit 2 and say what is missing
    monkeypatch.delenv("PENGI_SOURCE", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["answer", clips["a"], "--source", folder])
    assert exit_info.value.code == 2
    capsys.readouterr()
    assert cli.main(["caption", clips["a"]]) == 2
    assert "--source is required" in capsys.readouterr().err
    assert cli.main(["caption", "--source", folder]) == 2
    assert "no audio files" in capsys.readouterr().err
    assert cli.main(["caption", clips["a"], "--source", "no/such/dir"]) == 2
    capsys.readouterr()
    assert cli.main(["caption", clips["a"], "--source", str(tmp_path)]) == 2
    assert "has no hyperparams.yaml" in capsys.readouterr().err
    assert cli.main(["caption", clips["a"], "--source", folder,
                     "--resume"]) == 2
    assert cli.main([]) == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("pengi-sb ")


def test_source_from_environment(folder, clips, monkeypatch, capsys):
    monkeypatch.setenv("PENGI_SOURCE", folder)
    assert cli.main(["embed", clips["a"]]) == 0
    assert json.loads(capsys.readouterr().out)["file"] == clips["a"]


@pytest.mark.parametrize("name", ["caption", "answer", "classify",
                                  "describe", "generate", "continue",
                                  "embed", "retrieve"])
def test_help_shows_an_example_and_only_its_options(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([name, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert f"example:\n  pengi-sb {name}" in text
    assert ("--labels" in text) == (name == "classify")
    assert ("--question" in text) == (name == "answer")
    assert ("--beam-size" in text) == (name not in ("embed", "retrieve"))


def test_device_auto():
    assert loading.resolve_device("cuda:1") == "cuda:1"
    import torch

    want = "cuda" if torch.cuda.is_available() else loading.resolve_device("auto")
    assert loading.resolve_device("auto") == want


def test_serve_hands_every_argument_to_the_app(monkeypatch):
    import sys
    import types

    calls = []
    app = types.ModuleType("pengi_sb.app")
    app.main = lambda argv, prog: calls.append((argv, prog)) or 0
    monkeypatch.setitem(sys.modules, "pengi_sb.app", app)
    assert cli.main(["serve", "--source", "x", "--port", "7861",
                     "--help"]) == 0
    assert calls == [(["--source", "x", "--port", "7861", "--help"],
                      "pengi-sb serve")]
    # other subcommands still refuse unknown options (exit 2)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["caption", "a.wav", "--port", "1"])
    assert exit_info.value.code == 2
