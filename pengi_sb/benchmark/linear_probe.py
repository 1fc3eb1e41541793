"""Linear probes on frozen Pengi audio embeddings.

The audio encoder of a trained Pengi (HTS-AT + projection, the embedding
the audio mapper reads) is frozen; every clip is embedded once
(:func:`extract_embeddings`, averaged over overlapping windows for long
clips, cached on disk) and a logistic regression is trained on top, in
torch (:func:`fit_probe`): softmax cross-entropy for single-label tasks,
per-class sigmoid (binary cross-entropy) for multi-label ones. Features
are standardised with the training statistics. The runs follow the
dataset's protocol (:func:`pengi_sb.benchmark.protocols.build_runs`: official
folds as cross-validation, train/valid/test splits, or stratified k-fold
where the dataset defines nothing); with a validation set, the weight
decay is chosen on it among ``weight_decays``.

:func:`run_linear_probe` returns per-run and mean / std test metrics
(accuracy; mAP for multi-label tasks); :func:`write_probe_report` writes
``results.json`` and ``results.md`` (with
:func:`pengi_sb.benchmark.report.write_runs_report`, as the fine-tuning
recipe's cross-validation does).

Example
-------
>>> g = torch.Generator().manual_seed(0)
>>> x = torch.cat([torch.randn(20, 4, generator=g) + 3,
...                torch.randn(20, 4, generator=g) - 3])
>>> y = torch.tensor([0] * 20 + [1] * 20)
>>> probe = fit_probe(x, y, n_classes=2, epochs=30, lr=0.05)
>>> probe_metrics(probe, x, y, multilabel=False)["accuracy"]
1.0

Authors
 * pengi-sb developers 2026
"""

import os
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import torch
from speechbrain.utils.logger import get_logger

from pengi_sb.benchmark.batches import AudioBatches
from pengi_sb.benchmark.config import EvaluationError
from pengi_sb.benchmark.report import summarize_runs, write_runs_report
from pengi_sb.benchmark.scoring import close_ended_metrics, label_targets

logger = get_logger(__name__)

__all__ = [
    "LinearProbe",
    "ProbeConfig",
    "clip_key",
    "extract_embeddings",
    "fit_probe",
    "probe_metrics",
    "run_linear_probe",
    "write_probe_report",
]

EMBEDDINGS_FILE = "embeddings.pt"


class LinearProbe(torch.nn.Module):
    """Standardisation + one linear layer: ``[N, d]`` -> logits ``[N, C]``.

    Arguments
    ---------
    dim : int
        Embedding size.
    n_classes : int
        Number of classes.
    """

    def __init__(self, dim, n_classes):
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))
        self.linear = torch.nn.Linear(dim, n_classes)

    def set_statistics(self, x):
        """Standardisation statistics of the training features."""
        self.mean.copy_(x.mean(dim=0))
        self.std.copy_(x.std(dim=0, unbiased=False).clamp_min(1e-6))

    def forward(self, x):
        """Logits of features ``x``."""
        return self.linear((x - self.mean) / self.std)


@dataclass
class ProbeConfig:
    """Training options of a probe.

    Arguments
    ---------
    epochs : int
        Passes over the training features.
    lr : float
        AdamW learning rate.
    weight_decays : list of float
        Weight decay; several values are compared on the validation set.
    batch_size : int
        Features per step.
    normalize : bool
        L2-normalise the embeddings before standardising them.
    seed : int
        Initialisation and batch order.
    device : str
        Where probes train.
    """

    epochs: int = 100
    lr: float = 1e-3
    weight_decays: list = field(default_factory=lambda: [1e-4])
    batch_size: int = 256
    normalize: bool = True
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self):
        if isinstance(self.weight_decays, (int, float)):
            self.weight_decays = [self.weight_decays]
        self.weight_decays = [float(w) for w in self.weight_decays]
        if not self.weight_decays:
            raise EvaluationError("weight_decays needs at least one value")

    @classmethod
    def from_hparams(cls, hparams, prefix="probe_"):
        """Options from hparams keys ``probe_<field>``."""
        names = {f.name for f in fields(cls)}
        return cls(**{k[len(prefix):]: v for k, v in hparams.items()
                      if k.startswith(prefix) and k[len(prefix):] in names})


def clip_key(item):
    """What identifies a clip's audio: its file and segment."""
    return f"{item['wav']}|{item.get('start')}|{item.get('stop')}"


def extract_embeddings(pengi, items, batch_size=16, num_workers=0,
                       cache_folder=None):
    """Audio embeddings of items, cached in ``cache_folder``.

    Arguments
    ---------
    pengi : pengi_sb.inference.Pengi
        The (frozen) model.
    items : dict
        ``{id: item}`` (``wav`` resolved).
    batch_size, num_workers : int
        Audio batching.
    cache_folder : str, optional
        Where ``embeddings.pt`` keeps the embeddings between runs (keyed
        by :func:`clip_key`, so that items of several splits sharing a
        clip are embedded once).

    Returns
    -------
    (dict, list)
        ``{id: embedding [d]}`` of the readable items, and the skipped
        clips (``{"id", "wav", "reason"}``, ``id`` being the clip key).
    """
    known, cache_path = {}, None
    if cache_folder is not None:
        cache_path = os.path.join(cache_folder, EMBEDDINGS_FILE)
        if os.path.isfile(cache_path):
            known = torch.load(cache_path, weights_only=True)
    clips = {clip_key(item): item for item in items.values()}
    todo = {key: item for key, item in clips.items() if key not in known}
    batches = AudioBatches(todo, pengi.sample_rate, batch_size, num_workers)
    if todo:
        logger.info("embedding %d clip(s) (%d cached)", len(todo),
                    len(clips) - len(todo))
        with torch.inference_mode():
            for batch in batches:
                emb = pengi.embed_audio_batch(batch.wavs, batch.wav_lens)
                for key, row in zip(batch.ids, emb.float().cpu(),
                                    strict=True):
                    known[key] = row.clone()
        if cache_path is not None:
            os.makedirs(cache_folder, exist_ok=True)
            torch.save(known, cache_path)
    found = {}
    for item_id, item in items.items():
        key = clip_key(item)
        if key in known:
            found[item_id] = known[key]
    return found, batches.skipped


def _loss(logits, targets, multilabel):
    if multilabel:
        return torch.nn.functional.binary_cross_entropy_with_logits(
            logits, targets.float())
    return torch.nn.functional.cross_entropy(logits, targets)


def fit_probe(x, y, n_classes, multilabel=False, epochs=100, lr=1e-3,
              weight_decay=1e-4, batch_size=256, seed=0, device="cpu"):
    """Trains a logistic-regression probe (AdamW, mini-batches).

    Arguments
    ---------
    x : torch.Tensor
        ``[N, d]`` features.
    y : torch.Tensor
        ``[N]`` class indices, or ``[N, C]`` multi-hot (``multilabel``).
    n_classes : int
        Number of classes.
    multilabel : bool
        Sigmoid outputs and binary cross-entropy.
    epochs, lr, weight_decay, batch_size, seed
        Training options (``seed``: initialisation and batch order).
    device : str
        Where to train.

    Returns
    -------
    LinearProbe
        On the CPU, in eval mode.
    """
    generator = torch.Generator().manual_seed(int(seed))
    probe = LinearProbe(x.shape[1], n_classes)
    with torch.no_grad():
        torch.nn.init.normal_(probe.linear.weight, std=0.01,
                              generator=generator)
        probe.linear.bias.zero_()
    probe.set_statistics(x)
    probe.to(device)
    x, y = x.to(device), y.to(device)
    optimizer = torch.optim.AdamW(probe.parameters(), lr=float(lr),
                                  weight_decay=float(weight_decay))
    probe.train()
    for _ in range(int(epochs)):
        order = torch.randperm(x.shape[0], generator=generator).to(device)
        for start in range(0, x.shape[0], int(batch_size)):
            index = order[start:start + int(batch_size)]
            loss = _loss(probe(x[index]), y[index], multilabel)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return probe.cpu().eval()


def probe_metrics(probe, x, y, multilabel):
    """Test metrics of a probe: accuracy (and mAP when multi-label).

    Arguments
    ---------
    probe : LinearProbe
        A trained probe.
    x : torch.Tensor
        ``[N, d]`` features.
    y : torch.Tensor
        ``[N]`` class indices or ``[N, C]`` multi-hot.
    multilabel : bool
        How ``y`` is given.

    Returns
    -------
    dict
    """
    with torch.no_grad():
        scores = probe(x).float().numpy()
    if multilabel:
        targets = y.numpy()
    else:
        targets = np.zeros(scores.shape, dtype=np.int64)
        targets[np.arange(len(y)), y.numpy()] = 1
    return close_ended_metrics(scores, targets, multilabel)


def _features(by_clip, items, labels, multilabel, normalize):
    """``(ids, x [N, d], y)`` of the items whose clip was embedded."""
    ids = [i for i, item in items.items() if clip_key(item) in by_clip]
    if not ids:
        return ids, None, None
    x = torch.stack([by_clip[clip_key(items[i])] for i in ids])
    if normalize:
        x = torch.nn.functional.normalize(x, dim=-1)
    targets = label_targets(items, ids, labels, multilabel)
    y = torch.from_numpy(targets) if multilabel else torch.from_numpy(
        targets.argmax(axis=1))
    return ids, x, y


def run_linear_probe(pengi, runs, labels, multilabel, config,
                     batch_size=16, num_workers=0, output_folder=None):
    """Trains and tests a probe for every run of a protocol.

    Arguments
    ---------
    pengi : pengi_sb.inference.Pengi
        The frozen model.
    runs : list of pengi_sb.benchmark.protocols.Run
        Train / valid / test items of every run.
    labels : list of str
        The class list.
    multilabel : bool
        Multi-label task (mAP) or single-label (accuracy).
    config : ProbeConfig
        Training options.
    batch_size, num_workers : int
        Audio batching for the embeddings.
    output_folder : str, optional
        Where the embedding cache and the probes (``probe_<run>.ckpt``)
        are written.

    Returns
    -------
    dict
        ``runs`` (name, sizes, chosen weight decay, test metrics),
        ``mean`` and ``std`` over the runs, ``skipped`` audio.
    """
    if not labels:
        raise EvaluationError("a linear probe needs the class labels")
    every = {}
    for run in runs:
        for part in (run.train, run.valid, run.test):
            every.update({clip_key(item): item for item in part.values()})
    by_clip, skipped = extract_embeddings(
        pengi, every, batch_size, num_workers,
        cache_folder=os.path.join(output_folder, "embeddings")
        if output_folder else None)
    results = []
    for run in runs:
        feats = {role: _features(by_clip, part, labels, multilabel,
                                 config.normalize)
                 for role, part in (("train", run.train),
                                    ("valid", run.valid),
                                    ("test", run.test))}
        if feats["train"][1] is None or feats["test"][1] is None:
            raise EvaluationError(
                f"run '{run.name}': no readable training or test audio"
            )
        decays = list(config.weight_decays)
        if len(decays) > 1 and feats["valid"][1] is None:
            raise EvaluationError(
                f"run '{run.name}' has no validation items to choose among "
                f"weight_decays {decays}: give one value"
            )
        best = None
        for decay in decays:
            probe = fit_probe(
                feats["train"][1], feats["train"][2], len(labels),
                multilabel, config.epochs, config.lr, decay,
                config.batch_size, config.seed, config.device)
            valid = (probe_metrics(probe, feats["valid"][1],
                                   feats["valid"][2], multilabel)
                     if feats["valid"][1] is not None else None)
            key = (valid or {}).get("mAP" if multilabel else "accuracy",
                                    0.0)
            if best is None or key > best[0]:
                best = (key, decay, probe, valid)
        _, decay, probe, valid = best
        test = probe_metrics(probe, feats["test"][1], feats["test"][2],
                             multilabel)
        if output_folder:
            torch.save({"state_dict": probe.state_dict(), "labels": labels,
                        "multilabel": multilabel,
                        "normalize": config.normalize},
                       os.path.join(output_folder, f"probe_{run.name}.ckpt"))
        results.append({"name": run.name, "n_train": len(feats["train"][0]),
                        "n_valid": len(feats["valid"][0]),
                        "n_test": len(feats["test"][0]),
                        "weight_decay": decay, "valid": valid,
                        "test": test})
        logger.info("probe %s: %s", run.name, test)
    mean, std = summarize_runs(results)
    return {"runs": results, "mean": mean, "std": std,
            "n_skipped": len(skipped), "skipped": skipped,
            "multilabel": multilabel, "config": asdict(config)}


def write_probe_report(report, folder, benchmark=None, title=None,
                       extra=None):
    """Writes ``results.json`` and ``results.md`` of a probe.

    Arguments
    ---------
    report : dict
        What :func:`run_linear_probe` returns.
    folder : str
        Output folder.
    benchmark : dict, optional
        ``metric`` and the paper's ``linear_probe`` number, if any.
    title : str, optional
        Heading of ``results.md``.
    extra : dict, optional
        More keys for ``results.json``.

    Returns
    -------
    dict
        ``{"json": path, "markdown": path}``.
    """
    paper = (benchmark or {}).get("linear_probe")
    return write_runs_report(
        report, folder, benchmark, title or "Pengi linear probe", extra,
        columns=[("train", "n_train"), ("test", "n_test"),
                 ("weight decay", "weight_decay")],
        notes=["Paper (Pengi, linear probe): "
               + ("—" if paper is None else str(paper)),
               f"{report['n_skipped']} clip(s) skipped (unreadable audio)."])
