"""The captioning prepare scripts read the trees of the download tools.

Each test lays out the clips of a tiny official layout
(:mod:`layouts.speech_text`) the way a tool does
(:mod:`layouts.caption_tools`), prepares both, and checks that the
manifests hold the same items with the same content (only the audio
paths differ, and they point into the tool's tree). The last tests check
the error that lists every known layout when none is found.

Authors
 * pengi-sb developers 2026
"""

import functools
import importlib.util
import os

import pytest
from layouts import caption_tools as tools
from layouts import speech_text as official_layouts

from pengi_sb.data.manifest import read_manifest
from pengi_sb.prepare.layout import LayoutError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

RECIPES = {
    "audiocaps": ("AudioCaps/audiocaps_prepare.py", "prepare_audiocaps",
                  official_layouts.make_audiocaps_layout),
    "clotho": ("Clotho/clotho_prepare.py", "prepare_clotho",
               official_layouts.make_clotho_layout),
    "macs": ("MACS/macs_prepare.py", "prepare_macs",
             official_layouts.make_macs_layout),
    "wavcaps": ("WavCaps/wavcaps_prepare.py", "prepare_wavcaps",
                official_layouts.make_wavcaps_layout),
}


@functools.cache
def _module(name):
    path = os.path.join(ROOT, "recipes", RECIPES[name][0])
    spec = importlib.util.spec_from_file_location(
        os.path.splitext(os.path.basename(path))[0] + "_layouts_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(name, data, save, **options):
    return getattr(_module(name), RECIPES[name][1])(data, save, **options)


def read_items(paths, data):
    """``{split: {id: item}}`` without ``wav``, checking every ``wav``
    resolves to a file under ``data``."""
    out = {}
    for split, path in paths.items():
        items = read_manifest(path, data_root=data)
        for item_id, item in items.items():
            assert os.path.isfile(item["wav"]), (split, item_id, item["wav"])
        out[split] = {i: {k: v for k, v in item.items() if k != "wav"}
                      for i, item in items.items()}
    return out


def raw_wavs(paths):
    return {s: {i: it["wav"] for i, it in read_manifest(p).items()}
            for s, p in paths.items()}


@pytest.fixture(scope="module")
def official(tmp_path_factory):
    """``name -> (official folder, its manifest items)``, built lazily."""
    base = tmp_path_factory.mktemp("official")
    cache = {}

    def get(name):
        if name not in cache:
            data = RECIPES[name][2](str(base / name / "data"))
            paths = prepare(name, data, str(base / name / "save"))
            cache[name] = (data, read_items(paths, data))
        return cache[name]

    return get


def check_same(name, official, tool_root, tmp_path, data_folder=None,
               **options):
    """Prepares ``data_folder`` (default: ``tool_root``); returns wavs."""
    _, expected = official(name)
    data = data_folder or tool_root
    paths = prepare(name, data, str(tmp_path / "save"), **options)
    assert read_items(paths, data) == expected
    return raw_wavs(paths)


# ---------------------------------------------------------------- AudioCaps


def test_audiocaps_download_full_csvs_match_official(official, tmp_path):
    src, _ = official("audiocaps")
    root = tools.make_audiocaps_download_layout(
        str(tmp_path / "AudioCaps"), src, version="1.0")
    wavs = check_same("audiocaps", official, root, tmp_path)
    assert wavs["valid"]["vAAAA_30"] == "{data_root}/val/201.wav"


def test_audiocaps_download_filtered_csvs_keep_downloaded_rows(official,
                                                               tmp_path):
    """audiocaps-download 1.1 drops the rows it could not download from
    its CSVs: partially downloaded evaluation clips keep fewer
    references; the official CSVs in dataset/, when present, win."""
    src, expected = official("audiocaps")
    root = tools.make_audiocaps_download_layout(str(tmp_path / "AudioCaps"),
                                                src, version="1.1")
    paths = prepare("audiocaps", root, str(tmp_path / "save"))
    items = read_items(paths, root)
    assert items["train"] == expected["train"]
    assert items["test"]["tBBBB_0"] == expected["test"]["tBBBB_0"]
    assert items["valid"]["vAAAA_30"]["references"] == ["val caption 1"]
    assert items["test"]["tCCCC_10"]["target"] == "engine caption 3"
    os.makedirs(os.path.join(root, "dataset"))
    for split in tools.AUDIOCAPS_SPLITS:
        os.link(os.path.join(src, "dataset", f"{split}.csv"),
                os.path.join(root, "dataset", f"{split}.csv"))
    check_same("audiocaps", official, root, tmp_path / "again")


@pytest.mark.parametrize("where", ["root", "AUDIOCAPS", "old_csv_place"])
def test_aac_datasets_audiocaps_matches_official(official, tmp_path, where):
    src, _ = official("audiocaps")
    root = tools.make_aac_audiocaps_layout(
        str(tmp_path / "aac"), src,
        csv_folder="" if where == "old_csv_place" else "csv_files_v1")
    data = os.path.join(root, "AUDIOCAPS") if where == "AUDIOCAPS" else root
    wavs = check_same("audiocaps", official, root, tmp_path, data)
    prefix = "{data_root}/" + ("" if where == "AUDIOCAPS" else "AUDIOCAPS/")
    assert wavs["test"]["tCCCC_10"] == (
        prefix + "audio_32000Hz/test/tCCCC_10.flac")
    assert wavs["train"]["101"] == prefix + "audio_32000Hz/train/yT1_30.flac"


def test_aac_datasets_audiocaps_with_audiocap_id_files(official, tmp_path):
    """audiocaps-download run into AUDIOCAPS/audio_32000Hz (as the
    aac-datasets README suggests) names files by audiocap_id: read too."""
    src, _ = official("audiocaps")
    root = tools.make_aac_audiocaps_layout(str(tmp_path / "aac"), src,
                                           naming="audiocap_id")
    wavs = check_same("audiocaps", official, root, tmp_path)
    assert wavs["test"]["tCCCC_10"] == (
        "{data_root}/AUDIOCAPS/audio_32000Hz/test/308.wav")


def test_aac_datasets_audiocaps_several_sample_rates(official, tmp_path):
    src, _ = official("audiocaps")
    root = tools.make_aac_audiocaps_layout(str(tmp_path / "aac"), src)
    tools.make_aac_audiocaps_layout(str(tmp_path / "aac"), src,
                                    sample_rate=44100)
    with pytest.raises(LayoutError,
                       match="audio_32000Hz.*audio_44100Hz.*sample_rate"):
        prepare("audiocaps", root, str(tmp_path / "save"))
    wavs = check_same("audiocaps", official, root, tmp_path,
                      sample_rate=44100)
    assert "audio_44100Hz" in wavs["train"]["101"]


def test_audiocaps_audio_the_loader_cannot_read_is_refused(official,
                                                          tmp_path):
    """audiocaps-download's format='m4a' (AAC, which libsndfile does not
    read) is refused at the start, naming the formats that are read."""
    src, _ = official("audiocaps")
    root = tools.make_audiocaps_download_layout(
        str(tmp_path / "AudioCaps"), src, version="1.0")
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".wav"):
                path = os.path.join(folder, name)
                os.rename(path, path[:-len(".wav")] + ".m4a")
    with pytest.raises(LayoutError, match=r"no \.wav/\.flac/.* file in"):
        prepare("audiocaps", root, str(tmp_path / "save"))


# ------------------------------------------------------ Clotho, MACS, WavCaps


# (dataset, the tool's subfolder, the layout builder, split, item id, the
# audio path under the subfolder)
AAC_TREES = {
    "clotho": ("CLOTHO_v2.1", tools.make_aac_clotho_layout, "valid",
               "Wind gusts", "clotho_audio_files/validation/Wind gusts.wav"),
    "macs": ("MACS", tools.make_aac_macs_layout, "train",
             "park-helsinki-241-7146-a_3",
             "audio/park-helsinki-241-7146-a.wav"),
    "wavcaps": ("WavCaps", tools.make_aac_wavcaps_layout, "train",
                "SoundBible_2219", "Audio/SoundBible/2219.flac"),
}


@pytest.mark.parametrize("in_subfolder", [False, True],
                         ids=["root", "subfolder"])
@pytest.mark.parametrize("name", sorted(AAC_TREES))
def test_aac_datasets_tree_matches_official(official, tmp_path, name,
                                            in_subfolder):
    """Clotho, MACS and WavCaps as aac-datasets writes them, given as the
    tool's root or as its subfolder (WavCaps/ is a link to a snapshot)."""
    subfolder, make, split, item_id, audio = AAC_TREES[name]
    src, _ = official(name)
    root = make(str(tmp_path / "aac"), src)
    data = os.path.join(root, subfolder) if in_subfolder else root
    wavs = check_same(name, official, root, tmp_path, data)
    assert wavs[split][item_id] == (
        "{data_root}/" + ("" if in_subfolder else subfolder + "/") + audio)


# ------------------------------------------------------------------ errors

# every layout name and one marker of each, as the message must show them
EXPECTED_IN_ERROR = {
    "audiocaps": ["audiocaps-download audio with the official CSVs",
                  "dataset/train.csv", "audiocaps-download (its own CSVs)",
                  "val.csv", "aac-datasets", "csv_files_v1/test.csv",
                  "audio_*Hz/train", "older releases", "AUDIOCAPS"],
    "clotho": ["official Zenodo release", "clotho_captions_evaluation.csv",
               "aac-datasets", "clotho_audio_files/development",
               "CLOTHO_v2.1"],
    "macs": ["MACS.yaml beside the TAU 2019 development set",
             "TAU-urban-acoustic-scenes-2019-development/audio",
             "aac-datasets", "MACS.yaml, audio", "aac-datasets-download"],
    "wavcaps": ["aac-datasets", "Audio/SoundBible",
                "official Hugging Face release",
                "json_files/FreeSound/fsd_final.json", "WavCaps"],
}


N_LAYOUTS = {"audiocaps": 4, "clotho": 2, "macs": 2, "wavcaps": 2}


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_no_known_layout_error_lists_every_layout(name, tmp_path):
    folder = tmp_path / "downloads"
    (folder / "something").mkdir(parents=True)
    (folder / "readme.txt").write_text("not a dataset")
    with pytest.raises(LayoutError) as err:
        prepare(name, str(folder), str(tmp_path / "save"))
    message = str(err.value)
    assert "holds none of the layouts" in message
    for text in EXPECTED_IN_ERROR[name]:
        assert text in message, (text, message)
    layout_lines = [line for line in message.splitlines()
                    if line.startswith("  - ")]
    assert len(layout_lines) == N_LAYOUTS[name]
    assert all("(none present)" in line for line in layout_lines)
    assert not os.path.exists(tmp_path / "save")


def test_incomplete_layout_error_says_what_is_missing(official, tmp_path):
    """A half-downloaded aac-datasets Clotho (CSVs, no audio yet)."""
    src, _ = official("clotho")
    root = tools.make_aac_clotho_layout(str(tmp_path / "aac"), src)
    audio = os.path.join(root, "CLOTHO_v2.1", "clotho_audio_files")
    os.rename(os.path.join(audio, "evaluation"),
              os.path.join(audio, "evaluation_tmp"))
    with pytest.raises(LayoutError,
                       match=r"CLOTHO_v2\.1'.*\(missing "
                             r"clotho_audio_files/evaluation\)"):
        prepare("clotho", root, str(tmp_path / "save"))
