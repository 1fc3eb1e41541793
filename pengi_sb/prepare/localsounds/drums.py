"""The LocalSounds ``drums`` source: hits of the Hydrogen drum kits, balanced
over drum classes.

Each kit's ``drumkit.xml`` (:func:`read_drumkit`) lists its instruments and
their velocity layers; an instrument's name gives its drum class
(:func:`drum_class`). About ``drum_hits`` hits are chosen, the same number
per class; a chosen instrument gives its softest and hardest layer (one
clip when they sound the same) and is one split group.

Example
-------
>>> drum_class("Hi-Hat Closed (Paiste Alpha Metal edge 14\\")")
'hi-hat'
>>> drum_class("Djembe1 Bass"), drum_class("Maraca")
('hand drum', None)
>>> kit = {"name": "GMRockKit", "license": "GPL"}
>>> clip = drum_clip("snare drum", kit, "Snare Rimshot", "/k/sn-hard.wav",
...                  "loud")
>>> clip.clip_id, clip.caption, clip.event
('gmrockkit_snare-rimshot_sn-hard', 'a loud snare drum hit', 'snare drum')

Authors
 * pengi-sb developers 2026
"""

import math
import os
import re
import xml.etree.ElementTree as ET

from speechbrain.utils.logger import get_logger

from pengi_sb.prepare.localsounds.clips import Clip, slug
from pengi_sb.prepare.localsounds.fingerprint import (
    fingerprint,
    first_unique,
)
from pengi_sb.prepare.localsounds.sources import drumkit_files
from pengi_sb.prepare.localsounds.split import assign_splits, split_groups

__all__ = [
    "DRUM_CLASSES",
    "DRUM_NAME_RULES",
    "collect_drums",
    "drum_class",
    "drum_clip",
    "read_drumkit",
]

logger = get_logger(__name__)

# label -> (caption noun, is it a drum?, is it a cymbal?); None: not asked.
DRUM_CLASSES = {
    "kick drum": ("kick drum hit", True, False),
    "snare drum": ("snare drum hit", True, False),
    "tom": ("tom hit", True, False),
    "hand drum": ("hand drum stroke", True, False),
    "hi-hat": ("hi-hat hit", None, True),
    "cymbal": ("cymbal hit", None, True),
    "hand clap": ("hand clap", None, None),
    "cowbell": ("cowbell hit", None, None),
    "drum roll": ("drum roll", True, False),
}
# Hydrogen instrument names -> drum class, first match wins.
DRUM_NAME_RULES = (
    (r"djembe|conga|bongo|cajon|tabla|dununba|sangban|kenkeni", "hand drum"),
    (r"kick|bass ?drum", "kick drum"),
    (r"snare", "snare drum"),
    (r"\bhh\b|hi[- ]?hat|\bhat\b", "hi-hat"),
    (r"crash|ride|splash|china|cymbal", "cymbal"),
    (r"\btom", "tom"),
    (r"clap", "hand clap"),
    (r"cowbell", "cowbell"),
)


def drum_class(name):
    """Drum class of a Hydrogen instrument name, or None when unclear.

    Arguments
    ---------
    name : str
        The ``<name>`` of an instrument in a ``drumkit.xml``.

    Returns
    -------
    str or None
        A key of :data:`DRUM_CLASSES`.
    """
    lowered = name.lower()
    for pattern, label in DRUM_NAME_RULES:
        if re.search(pattern, lowered):
            return label
    return None


def read_drumkit(xml_path):
    """Reads a Hydrogen ``drumkit.xml``.

    Arguments
    ---------
    xml_path : str
        The kit's ``drumkit.xml`` (any Hydrogen format version).

    Returns
    -------
    dict
        ``{"name", "license", "instruments": [(name, [(file, min, max)])]}``
        with the layers sorted from soft to hard and only the files that
        exist.
    """
    root = ET.parse(xml_path).getroot()
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
    folder = os.path.dirname(xml_path)
    instruments = []
    for inst in root.iter("instrument"):
        name = (inst.findtext("name") or "").strip()
        layers = []
        for layer in inst.iter("layer"):
            layers.append((layer.findtext("filename"),
                           float(layer.findtext("min") or 0),
                           float(layer.findtext("max") or 1)))
        if not layers and inst.findtext("filename"):
            layers.append((inst.findtext("filename"), 0.0, 1.0))
        layers = sorted(
            ((os.path.join(folder, f.strip()), lo, hi) for f, lo, hi in layers
             if f and os.path.isfile(os.path.join(folder, f.strip()))),
            key=lambda x: (x[1], x[2], x[0]),
        )
        if name and layers:
            instruments.append((name, layers))
    return {
        "name": (root.findtext("name") or os.path.basename(folder)).strip(),
        "license": (root.findtext("license") or "").strip(),
        "instruments": instruments,
    }


def collect_drums(opts, paths, rng):
    """Chooses drum hits, balanced over drum classes, and their splits.

    Each chosen instrument of a kit gives its softest and hardest layer
    (one clip when it has one layer); the instrument is the split group.
    With ``hold_out_kits`` and 3 kits or more, whole kits are split
    instead: the test and valid hits come from kits training never hears.

    Arguments
    ---------
    opts : dict
        The preparation options (``drum_hits``, ``hold_out_kits``, the
        held-out fractions).
    paths : dict
        Source locations (``drumkits``).
    rng : random.Random
        Source of the choices and splits.

    Returns
    -------
    list of Clip
        With ``fields['path']`` the source layer.
    """
    by_class = {}
    for xml in drumkit_files(paths["drumkits"]):
        try:
            kit = read_drumkit(xml)
        except ET.ParseError as err:
            logger.warning("LocalSounds: skipping %s (%s)", xml, err)
            continue
        for name, layers in kit["instruments"]:
            label = drum_class(name)
            if label is not None:
                by_class.setdefault(label, []).append((kit, name, layers))
    if not by_class:
        return []
    quota = math.ceil(opts["drum_hits"] / len(by_class))
    clips = []
    seen = set()
    for label in sorted(by_class):
        candidates = sorted(by_class[label], key=lambda x: (x[0]["name"],
                                                            x[1]))
        rng.shuffle(candidates)
        taken = 0
        for kit, name, layers in candidates:
            if taken >= quota:
                break
            chosen = [(layers[0][0], None)]
            if len(layers) > 1 and fingerprint(layers[0][0]) != fingerprint(
                    layers[-1][0]):
                chosen = [(layers[0][0], "soft"), (layers[-1][0], "loud")]
            if not first_unique([p for p, _ in chosen], seen):
                continue
            for path, vel in chosen:
                clips.append(drum_clip(label, kit, name, path, vel))
                taken += 1
    kits = sorted({clip.fields["kit"] for clip in clips})
    if not opts.get("hold_out_kits", True) or len(kits) < 3:
        return assign_splits(clips, rng, opts)
    splits = split_groups({"kits": kits}, rng, opts["valid_fraction"],
                          opts["test_fraction"])
    for clip in clips:
        clip.split = splits[clip.fields["kit"]]
    return clips


def drum_clip(label, kit, name, path, vel):
    """The clip of one layer of one kit instrument.

    Arguments
    ---------
    label : str
        Its drum class (a key of :data:`DRUM_CLASSES`).
    kit : dict
        The kit as :func:`read_drumkit` returns it.
    name : str
        The instrument's name in the kit.
    path : str
        The layer's audio file.
    vel : str or None
        ``soft``, ``loud`` or None (the instrument's only layer).

    Returns
    -------
    Clip
    """
    noun, is_drum, is_cymbal = DRUM_CLASSES[label]
    caption = f"a {vel} {noun}" if vel else f"a {noun}"
    group = f"{slug(kit['name'])}_{slug(name)}"
    layer = slug(os.path.splitext(os.path.basename(path))[0])
    return Clip(
        clip_id=f"{group}_{layer}",
        source="drums",
        group=group,
        stratum=label,
        caption=caption,
        references=[caption, f"a single {label} sound",
                    f"the sound of a {label} in a drum kit"],
        facts={"speech": False, "instrument": True, "drum": is_drum,
               "cymbal": is_cymbal},
        fields={"path": path, "kit": kit["name"], "kit_instrument": name,
                "license": kit["license"][:120]},
        event=label,
    )
