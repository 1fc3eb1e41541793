"""Prepares SoundDescs for Pengi: audio captioning manifests (pretraining).

SoundDescs (BBC Sound Effects descriptions, RemArc licence) is released
by https://github.com/akoepke/audio-retrieval-benchmark: clone it into
``data_folder`` and download the audio there with its scripts
(``python sounddescs_download_audios.py --download_folder .`` then
``--action unzipping``). This script reads::

    <data_folder>/sounddescs_data/descriptions.pkl   {id: description}
    <data_folder>/data/SoundDescs/train_list.txt      official splits,
    <data_folder>/data/SoundDescs/val_list.txt        one lower-case id
    <data_folder>/data/SoundDescs/test_list.txt       per line
    <data_folder>/audios/<id>/<id>.wav                unzipped audio

Audio resampled with ``sounddescs_wavs_transforms.py`` into one flat
folder (``<dest>/<id>.wav``) is read too: pass that folder, relative to
``data_folder``, as ``audio_folder``. The pickles are read with an
unpickler that only builds plain containers (no code can run).

Task ``captioning`` (caption = the BBC description): ``train`` one item
per clip, ``valid`` and ``test`` one item per clip with the description
in ``references`` (the evaluation format of the other caption sets).
Clips whose audio is missing are skipped and counted in the log.

Authors
 * pengi-sb developers 2026
"""

import os
import pickle

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.layout import LayoutError
from pengi_sb.prepare.cli import run_preparation, run_prepare_cli
from pengi_sb.prepare.speech_text import add_captions

logger = get_logger(__name__)

DATASET = "SoundDescs"
DOWNLOAD = (
    "https://github.com/akoepke/audio-retrieval-benchmark (clone; audio with "
    "sounddescs_download_audios.py --download_folder <data_folder>)"
)
SPLITS = {"train": "train_list.txt", "valid": "val_list.txt",
          "test": "test_list.txt"}
_SAFE_GLOBALS = {
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("builtins", "list"),
    ("builtins", "dict"),
    ("builtins", "set"),
    ("builtins", "str"),
}


class _ContainerUnpickler(pickle.Unpickler):
    """Unpickler that builds plain containers and strings only."""

    def find_class(self, module, name):
        if (module, name) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name}: a SoundDescs pickle holds "
            "only dicts of strings"
        )


def _clip_key(name):
    """Lower-case ID without extension (``NHU05091190.wav`` -> ``nhu...``)."""
    name = str(name).strip().lower()
    return name[:-4] if name.endswith(".wav") else name


def load_descriptions(path):
    """Reads ``descriptions.pkl`` as ``{id: description}``.

    Arguments
    ---------
    path : str
        The pickle of the release.

    Returns
    -------
    dict
        Lower-case IDs to description strings.
    """
    try:
        with open(path, "rb") as f:
            content = _ContainerUnpickler(f).load()
    except (pickle.UnpicklingError, EOFError) as err:
        raise LayoutError(f"{path}: not the SoundDescs pickle ({err})") from err
    if not isinstance(content, dict):
        raise LayoutError(f"{path}: expected a dict id -> description, got "
                          f"{type(content).__name__}")
    return {_clip_key(k): v for k, v in content.items()}


def prepare_sounddescs(data_folder, save_folder, skip_prep=False,
                       audio_folder="audios",
                       grouped_splits=("valid", "test"),
                       max_missing_fraction=None):
    """Writes SoundDescs captioning manifests.

    Arguments
    ---------
    data_folder : str
        The audio-retrieval-benchmark clone with downloaded audio.
    save_folder : str
        Where ``train.json``, ``valid.json``, ``test.json`` are written.
    skip_prep : bool
        Do nothing.
    audio_folder : str
        Folder of ``<id>/<id>.wav`` or ``<id>.wav`` files, relative to
        ``data_folder``.
    grouped_splits : sequence of str
        Splits written in the evaluation format (``references``).
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 1: copies of this set lack clips as a
        rule, so only an empty split fails; see :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest_path}``.
    """

    def build(builder):
        descriptions = load_descriptions(
            os.path.join(data_folder, "sounddescs_data", "descriptions.pkl"))
        audio_root = os.path.join(data_folder, audio_folder)
        for split, list_name in SPLITS.items():
            list_path = os.path.join(data_folder, "data", "SoundDescs",
                                     list_name)
            with open(list_path, encoding="utf-8") as f:
                ids = [_clip_key(line) for line in f if line.strip()]
            unknown = [i for i in ids if i not in descriptions]
            if unknown:
                logger.warning("%s, %s: %d id(s) of %s have no description "
                               "(e.g. %s)", DATASET, split, len(unknown),
                               list_name, unknown[:3])
            for clip_id in ids:
                if clip_id in unknown:
                    continue
                nested = os.path.join(audio_root, clip_id, f"{clip_id}.wav")
                text = descriptions[clip_id]
                add_captions(
                    builder, split, clip_id,
                    nested if os.path.isfile(nested) else os.path.join(
                        audio_root, f"{clip_id}.wav"),
                    list(text) if isinstance(text, (list, tuple)) else [text],
                    grouped=split in grouped_splits,
                )
        return []

    return run_preparation(
        DATASET, data_folder, save_folder, list(SPLITS), build,
        required=["sounddescs_data/descriptions.pkl", audio_folder]
        + [f"data/SoundDescs/{n}" for n in SPLITS.values()],
        download_hint=DOWNLOAD,
        options={"audio_folder": audio_folder,
                 "grouped_splits": list(grouped_splits)},
        skip_prep=skip_prep, missing="skip",
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(prepare_sounddescs, "Prepare SoundDescs caption manifests")
