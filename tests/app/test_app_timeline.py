"""The Timeline tab's action without the page: the same segments as
``Pengi.timeline_file``, a table and a figure of them, downloads that read
back, and errors as messages."""

import dataclasses
import os

import pytest

pytest.importorskip("matplotlib", reason='pip install "pengi-sb[app]"')

from pengi_sb.app import actions  # noqa: E402
from pengi_sb.inference.timeline_formats import read_timeline  # noqa: E402

GEN = {"method": "greedy", "max_len": 5, "temperature": 1.0}
LABELS = ["dog", "rain", "car horn"]


def _rows(table):
    """The body rows of a Markdown table, as lists of cell texts."""
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in table.splitlines()[2:]]


def test_caption_timeline_matches_the_interface(pengi, clip_folder,
                                                tmp_path):
    clip = str(clip_folder / "beep.wav")  # 2.5 s, 1 s windows
    expected = pengi.timeline_file(clip, task="caption", **GEN)
    assert actions.timeline_segments(pengi, clip, "caption", "", None,
                                     GEN) == expected
    table, figure, files = actions.timeline(pengi, clip, "caption",
                                            "ignored", None, GEN,
                                            str(tmp_path))
    assert len(expected) == 4  # hop: half the window
    rows = _rows(table)
    assert [r[3] for r in rows] == [s.text or "–" for s in expected]
    assert [float(r[4]) for r in rows] == pytest.approx(
        [s.score for s in expected], abs=1e-3)
    assert rows[-1][2] == "00:00:02.500"
    wave, lane = figure.axes[:2]
    assert len(lane.patches) == len(expected)
    assert lane.get_xlim()[1] == pytest.approx(2.5, abs=0.01)
    assert len(wave.collections) == 1  # the waveform's envelope

    assert [os.path.basename(f) for f in files] == [
        "beep.srt", "beep.vtt", "beep.csv"]
    named = [dataclasses.replace(s, file="beep.wav") for s in expected]
    assert read_timeline(files[2]) == named  # every field, exactly
    for subtitles in files[:2]:
        back = read_timeline(subtitles)
        assert [(s.start, s.end, s.text) for s in back] == [
            (round(s.start, 3), round(s.end, 3), " ".join(s.text.split()))
            for s in expected]
    assert str(clip_folder) not in open(files[2]).read()


def test_classify_and_sound_events_with_a_hop(pengi, clip_folder, tmp_path):
    clip = str(clip_folder / "sub" / "whistle.flac")  # 4 s stereo 44.1 kHz
    expected = pengi.timeline_file(clip, task="classify", labels=LABELS,
                                   hop_seconds=0.25)
    segments = actions.timeline_segments(
        pengi, clip, "classify", "dog\nrain\n\ncar horn\ndog", "0.25", GEN)
    assert segments == expected
    assert sum(s.windows for s in segments) == 13  # (4 - 1) / 0.25 + 1
    table, figure, files = actions.timeline(
        pengi, clip, "classify", "dog, rain, car horn", 0.25, GEN,
        str(tmp_path))
    assert [r[3] for r in _rows(table)] == [s.text for s in expected]
    assert "| labels |" in table.splitlines()[0]
    assert read_timeline(files[2]) == [
        dataclasses.replace(s, file="whistle.flac") for s in expected]
    assert actions.timeline_segments(
        pengi, clip, "sound events", "", 1, GEN) == pengi.timeline_file(
            clip, task="sound_events", hop_seconds=1.0, **GEN)


def test_timeline_errors_are_messages(pengi, clip_folder, corrupt_file):
    clip = str(clip_folder / "hum.wav")
    cases = [
        (lambda: actions.timeline(pengi, None, "caption", "", None, GEN),
         "No audio yet"),
        (lambda: actions.timeline(pengi, corrupt_file, "caption", "", None,
                                  GEN),
         "audio file corrupt.wav cannot be decoded"),
        (lambda: actions.timeline(pengi, clip, "classify", "", None, GEN),
         "at least two labels"),
        (lambda: actions.timeline(pengi, clip, "classify", "dog", None, GEN),
         "at least two labels"),
        (lambda: actions.timeline(pengi, clip, "caption", "", 0, GEN),
         "hop must be above 0 and at most the 1 s window"),
        (lambda: actions.timeline(pengi, clip, "caption", "", "2", GEN),
         "hop must be above 0 and at most the 1 s window"),
        (lambda: actions.timeline(pengi, clip, "caption", "", "soon", GEN),
         "hop must be a number of seconds, not 'soon'"),
        (lambda: actions.timeline(pengi, clip, "tags", "", None, GEN),
         "timeline task must be one of"),
    ]
    for call, message in cases:
        with pytest.raises(actions.AppError) as info:
            call()
        assert message in actions.user_message(info.value)
