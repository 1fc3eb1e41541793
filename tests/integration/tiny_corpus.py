"""A tiny multi-task corpus for training tests, in the layout the Pretrain
recipe reads: ``<root>/corpus/LocalSounds/<split>/*.wav`` and the manifests
``<root>/manifests/LocalSounds/{train,valid,test}.json`` with
``{data_root}`` paths.

Each clip is a tone whose pitch says what the target text is, so a model
can only fit the targets by listening. Clips are 1 to 5 s (longer than the
small model's 4 s window for some), at 16 kHz or 22.05 kHz.
"""

import os

from audio_fixtures import write_clip

from pengi_sb.data.manifest import make_item, write_manifest

# (task, template fields, tone frequency in Hz)
KINDS = [
    ("captioning", {"caption": "a low hum"}, 150.0),
    ("captioning", {"caption": "a high whistle"}, 2400.0),
    ("sound_event", {"events": ["beep"]}, 900.0),
    ("sound_event", {"events": ["siren", "horn"]}, 500.0),
]
# Largest SentencePiece vocabulary the corpus text supports (the tests'
# vocab_size: prompts + targets of the KINDS above)
VOCAB_SIZE = 30


def write_corpus(root, sizes=None, corrupt=(), missing=()):
    """Writes the corpus; returns ``(manifest_folder, corpus_folder)``.

    Arguments
    ---------
    root : str
        Folder to write into.
    sizes : dict, optional
        Items per split (default train 8, valid 4, test 4).
    corrupt : sequence of str
        Train item ids whose file is garbage bytes.
    missing : sequence of str
        Train item ids whose file does not exist.
    """
    sizes = sizes or {"train": 8, "valid": 4, "test": 4}
    corpus = os.path.join(root, "corpus")
    manifests = os.path.join(root, "manifests")
    data = os.path.join(corpus, "LocalSounds")
    for split, n in sizes.items():
        items = {}
        for i in range(n):
            task, fields, freq = KINDS[i % len(KINDS)]
            item_id = f"{split}{i}"
            seconds = (1.0, 5.0, 2.5, 4.0)[i % 4]
            rate = 22050 if i % 3 == 2 else 16000
            rel = f"{split}/{item_id}.wav"
            path = os.path.join(data, rel)
            if item_id in corrupt:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(b"RIFF\x00\x00garbage, not audio" * 8)
            elif item_id not in missing:
                write_clip(path, seconds, rate, freq=freq, seed=i)
            item = make_item("{data_root}/" + rel, seconds, task, **fields)
            if task == "captioning" and split != "train":
                item["references"] = [item["target"],
                                      item["target"].replace("a ", "one ")]
            items[item_id] = item
        write_manifest(items, os.path.join(manifests, "LocalSounds",
                                           f"{split}.json"))
    return manifests, corpus
