"""The app's actions without the page, its command line, and the rule that
the core package and the recipes never import Gradio or matplotlib."""

import socket
import subprocess
import sys

import pytest

pytest.importorskip("matplotlib", reason='pip install "pengi-sb[app]"')

from pengi_sb.app import actions  # noqa: E402
from pengi_sb.app.launch import build_parser, require_app_extra  # noqa: E402

GEN = {"method": "greedy", "max_len": 5, "temperature": 1.0}


def test_actions_match_the_interface(pengi, clip_folder):
    clip = str(clip_folder / "hum.wav")
    assert actions.caption(pengi, clip, {}) == pengi.caption_file(clip).text
    assert actions.answer(pengi, clip, " is it loud? ", GEN) == \
        pengi.answer_file(clip, "is it loud?", **GEN).text
    assert actions.describe(pengi, clip, GEN) == \
        pengi.describe_file(clip, **GEN)
    text, beams = actions.generate(pengi, clip, "generate metadata",
                                   {"method": "beam", "beam_size": 2,
                                    "max_len": 4})
    assert text == beams[0][1] and len(beams) == 2
    table, chart, generated = actions.classify(
        pengi, clip, "dog\nrain\ncar horn", "likelihood", "", {})
    ranked = pengi.classify_file(clip, ["dog", "rain", "car horn"]).labels
    lines = table.splitlines()[2:]
    assert [line.split("|")[2].strip() for line in lines] == ranked
    probs = [float(line.split("|")[3]) for line in lines]
    assert sum(probs) == pytest.approx(1.0, abs=2e-3)
    assert len(chart.axes[0].patches) == 3 and generated == ""
    table, _, generated = actions.classify(
        pengi, clip, "dog, rain", "text", "", GEN)
    assert generated and "similarity" in table


def test_audio_view_marks_the_model_windows(pengi, clip_folder):
    short = actions.show_audio(pengi, str(clip_folder / "hum.wav"))
    assert len(short.axes) == 3  # waveform, log-mel, colour bar
    assert "repeated to fill" in short.axes[0].get_title()
    long = actions.show_audio(pengi, str(clip_folder / "beep.wav"))
    lane = long.axes[1]  # 2.5 s at 1 s windows, hop 0.5 s: 4 windows
    assert "4 windows" in lane.get_title() and len(lane.patches) == 4


def test_errors_are_messages(pengi, clip_folder, corrupt_file):
    clip = str(clip_folder / "hum.wav")
    cases = [
        (lambda: actions.caption(pengi, None, {}), "No audio yet"),
        (lambda: actions.caption(pengi, corrupt_file, {}),
         "audio file corrupt.wav cannot be decoded"),
        (lambda: actions.answer(pengi, clip, "", {}), "Type a question"),
        (lambda: actions.generate(pengi, clip, "word " * 80, {}),
         "more than the model's prompt length"),
        (lambda: actions.classify(pengi, clip, "dog", "likelihood", "", {}),
         "at least two labels"),
        (lambda: actions.generation_options("beam", 3, 0.0, 10),
         "temperature must be above 0"),
    ]
    for call, message in cases:
        with pytest.raises(Exception) as info:
            call()
        assert message in actions.user_message(info.value)
    assert "server log" in actions.user_message(RuntimeError("boom"))


def test_parser_takes_the_serve_options():
    args = build_parser().parse_args(
        ["--source", "m", "--host", "0.0.0.0", "--port", "8000", "--index",
         "clips"])
    assert (args.source, args.host, args.port, args.index) == (
        "m", "0.0.0.0", 8000, "clips")
    defaults = build_parser().parse_args([])
    assert (defaults.host, defaults.port) == ("127.0.0.1", 7860)


def test_usage_errors_exit_2(tmp_path, monkeypatch, capsys):
    from pengi_sb.app import main

    monkeypatch.delenv("PENGI_SOURCE", raising=False)
    for argv, message in (
        ([], "--source is required"),
        (["--source", str(tmp_path / "none")], "no such folder"),
        (["--source", str(tmp_path), "--index", str(tmp_path / "nope")],
         "is not a folder"),
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert message in capsys.readouterr().err


def test_without_the_extra_serve_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gradio", None)  # import fails
    with pytest.raises(SystemExit, match=r'pip install "pengi-sb\[app\]"'):
        require_app_extra()
    from pengi_sb.app import main

    with pytest.raises(SystemExit, match="needs gradio"):
        main(["--source", "nowhere"])


def test_core_package_and_recipes_do_not_import_the_app_extra():
    code = (
        "import sys, pengi_sb, pengi_sb.app, pengi_sb.inference\n"
        "from pengi_sb.inference import Pengi, cli\n"
        "import pengi_sb.training.brain, pengi_sb.benchmark\n"
        "bad = [m for m in ('gradio', 'matplotlib', 'playwright')\n"
        "       if m in sys.modules]\n"
        "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_a_taken_port_is_a_clear_error(pengi):
    pytest.importorskip("gradio")
    from pengi_sb.app.launch import create_app, serve

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = create_app(pengi)
        with pytest.raises(SystemExit, match=f"cannot listen on 127.0.0.1:"
                           f"{port}.*pass another --port"):
            serve(demo, "127.0.0.1", port, block=False)


def test_module_command_help():
    out = subprocess.run([sys.executable, "-m", "pengi_sb.app", "--help"],
                         capture_output=True, text=True, timeout=300,
                         check=True).stdout
    assert "--source" in out and "--index FOLDER" in out


def test_pengi_sb_serve_hands_its_options_to_the_app(capsys):
    from pengi_sb.inference import cli

    with pytest.raises(SystemExit) as info:
        cli.main(["serve", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: pengi-sb serve" in out and "--index FOLDER" in out
