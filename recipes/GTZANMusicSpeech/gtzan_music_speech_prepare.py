"""Manifests for the GTZAN music/speech collection (64 + 64 clips of 30 s).

Reads the original release (``music_speech.tar.gz`` of marsyas.info,
unpacked as ``music_speech/``; pass that folder)::

    music_speech/
        music_wav/<name>.wav        (64 clips, 22,050 Hz)
        speech_wav/<name>.wav       (64 clips)

(the ``.mf`` lists beside them are ignored).

Task ``sound_event``: "this is a sound of" -> ``music`` or ``speech``.
The question the benchmark asks, "music or speech?", is which kind of
sound a clip is, which the sound event template states directly; the
``music_analysis`` template would put "music" in every target, speech
clips included. No official split exists; the paper's number is
zero-shot, so ``test.json`` holds all 128 clips.

Authors
 * pengi-sb developers 2026
"""

import os

from pengi_sb.prepare.cli import run_preparation, run_prepare_cli

DATASET = "GTZANMusicSpeech"
DOWNLOAD = (
    "music_speech.tar.gz of marsyas.info, unpacked as music_speech/ with "
    "music_wav/ and speech_wav/"
)
CLASSES = {"music": "music_wav", "speech": "speech_wav"}


def prepare_gtzan_music_speech(data_folder, save_folder, skip_prep=False,
                               max_missing_fraction=None):
    """Writes ``test.json`` (all clips) and ``labels.json``.

    Arguments
    ---------
    data_folder : str
        The unpacked ``music_speech`` folder.
    save_folder : str
        Where the manifests and ``labels.json`` go.
    skip_prep : bool
        Do nothing (return the manifest paths).
    max_missing_fraction : float, optional
        The share of a split's items whose audio may be missing before the
        preparation fails (default 0.05; 0: any missing file fails; see
        :mod:`pengi_sb.prepare.cli`).

    Returns
    -------
    dict
        ``{split: manifest path}``.
    """

    def build(builder):
        for label, folder in CLASSES.items():
            for name in sorted(os.listdir(os.path.join(data_folder, folder))):
                stem, ext = os.path.splitext(name)
                if ext.lower() != ".wav":
                    continue
                builder.add(
                    "test", f"{label}/{stem}",
                    os.path.join(data_folder, folder, name), "sound_event",
                    events=[label],
                )
        return list(CLASSES)

    return run_preparation(
        DATASET, data_folder, save_folder, ["test"], build,
        list(CLASSES.values()), DOWNLOAD, skip_prep=skip_prep,
        max_missing_fraction=max_missing_fraction,
    )


if __name__ == "__main__":
    run_prepare_cli(
        prepare_gtzan_music_speech,
        "Prepare GTZAN music/speech manifests for Pengi",
    )
