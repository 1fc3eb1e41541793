"""Text-to-audio search over a folder: audio embeddings cached on disk.

Every audio file under the folder is embedded once with the model's audio
encoder; the embeddings are kept in one cache file per (folder, model),
keyed by each file's path, size and modification time, so that a refresh
embeds only new or changed files and forgets deleted ones. A text query is
embedded with the model's prompt encoder and files are ranked by cosine
similarity in Pengi's shared space (:meth:`Pengi.retrieve`).

Example
-------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> for name in ("b.flac", "a.wav", "notes.txt", ".hidden.wav"):
...     open(os.path.join(folder, name), "wb").close()
>>> [os.path.basename(p) for p in list_audio_files(folder)]
['a.wav', 'b.flac']

``FolderIndex(pengi, folder).refresh()`` then ``.search("a dog barks")``
(see tests/app/test_search.py).

Authors
 * pengi-sb developers 2026
"""

import hashlib
import os

import torch
from speechbrain.utils.logger import get_logger

from pengi_sb.data.audio import AUDIO_EXTENSIONS, AudioError

logger = get_logger(__name__)

CACHE_VERSION = 1
NO_PROMPT_ENCODER = (
    "Search needs a model with a prompt encoder (the 'base' variant): it "
    "compares a text's embedding with the audio embeddings in Pengi's "
    "shared space, and this model embeds prompts with GPT-2's token table "
    "only (base_no_text_enc). Load a 'base' model to search."
)


class SearchError(ValueError):
    """A folder or query that cannot be searched; the message says why."""


def can_search(pengi):
    """Whether ``pengi`` has the prompt encoder text search needs."""
    return pengi.model.prompt_encoder is not None


def list_audio_files(folder):
    """Audio files under ``folder`` (recursive, sorted, hidden ones left
    out), by extension."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in sorted(files)
                  if f.lower().endswith(AUDIO_EXTENSIONS)
                  and not f.startswith(".")]
    return found


def default_cache_dir():
    """``$XDG_CACHE_HOME/pengi_sb/search`` (default ``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME",
                          os.path.join(os.path.expanduser("~"), ".cache"))
    return os.path.join(base, "pengi_sb", "search")


def model_key(source):
    """A short fingerprint of a pretrained folder (its files' names, sizes
    and modification times), so a retrained model gets a new cache."""
    digest = hashlib.sha1(os.path.abspath(source).encode())
    if os.path.isdir(source):
        for name in sorted(os.listdir(source)):
            stat = os.stat(os.path.join(source, name))
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


class FolderIndex:
    """Audio embeddings of every file under a folder, cached on disk.

    Arguments
    ---------
    pengi : pengi_sb.inference.Pengi
        The loaded model.
    folder : str
        Folder of audio files (searched recursively).
    cache_dir : str, optional
        Where the cache file goes (default :func:`default_cache_dir`).
    model_key : str
        Names the model in the cache (:func:`model_key` of its folder):
        embeddings of another model are never reused.
    batch_size : int
        Files embedded per call of the model.
    """

    def __init__(self, pengi, folder, cache_dir=None, model_key="model",
                 batch_size=8):
        folder = os.path.abspath(os.path.expanduser(str(folder or "")))
        if not os.path.isdir(folder):
            raise SearchError(f"folder {folder} does not exist: give a "
                              "folder of audio files")
        self.pengi = pengi
        self.folder = folder
        self.model_key = model_key
        self.batch_size = batch_size
        name = hashlib.sha1(f"{folder}|{model_key}".encode()).hexdigest()[:20]
        self.cache_path = os.path.join(cache_dir or default_cache_dir(),
                                       f"{name}.pt")
        self.entries = self._load_cache()  # relpath -> dict

    def _load_cache(self):
        if not os.path.isfile(self.cache_path):
            return {}
        try:
            data = torch.load(self.cache_path, weights_only=True)
        except (OSError, RuntimeError, EOFError) as err:
            logger.warning("search cache %s unreadable (%s): rebuilding it",
                           self.cache_path, err)
            return {}
        if data.get("version") != CACHE_VERSION or \
                data.get("model") != self.model_key:
            return {}
        return data["entries"]

    def _save_cache(self):
        os.makedirs(os.path.dirname(self.cache_path), exist_ok=True)
        tmp = self.cache_path + ".tmp"
        torch.save({"version": CACHE_VERSION, "model": self.model_key,
                    "folder": self.folder, "entries": self.entries}, tmp)
        os.replace(tmp, self.cache_path)

    @staticmethod
    def _stamp(path):
        stat = os.stat(path)
        return stat.st_size, stat.st_mtime_ns

    def stale(self):
        """Files (absolute paths) that are new or changed since cached."""
        out = []
        for path in list_audio_files(self.folder):
            entry = self.entries.get(os.path.relpath(path, self.folder))
            if entry is None or (entry["size"], entry["mtime_ns"]) != \
                    self._stamp(path):
                out.append(path)
        return out

    def refresh(self, progress=None):
        """Embeds new and changed files, drops deleted ones, saves.

        Arguments
        ---------
        progress : callable, optional
            Called as ``progress(done, total)`` after each batch.

        Returns
        -------
        dict
            ``files`` (indexed now), ``embedded`` (this call) and
            ``failed`` (``{path: reason}`` of unreadable files, left out).
        """
        files = list_audio_files(self.folder)
        present = {os.path.relpath(p, self.folder) for p in files}
        dropped = [rel for rel in self.entries if rel not in present]
        for rel in dropped:
            del self.entries[rel]
        todo, failed = self.stale(), {}
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start:start + self.batch_size]
            for path, emb in self._embed(batch, failed):
                size, mtime = self._stamp(path)
                self.entries[os.path.relpath(path, self.folder)] = {
                    "size": size, "mtime_ns": mtime, "embedding": emb}
            if progress is not None:
                progress(min(start + self.batch_size, len(todo)), len(todo))
        if todo or dropped:
            self._save_cache()
        return {"files": len(self.entries), "embedded": len(todo) -
                len(failed), "failed": failed}

    def _embed(self, paths, failed):
        """``[(path, embedding [d_proj])]`` of the readable ``paths``;
        unreadable ones go to ``failed``. The batch is embedded in one call;
        when a file of it cannot be read, file by file."""
        try:
            embs = self.pengi.embed_audio_files(paths).cpu()
            return [(p, e.clone()) for p, e in zip(paths, embs, strict=True)]
        except AudioError:
            pass
        out = []
        for path in paths:
            try:
                out.append((path, self.pengi.embed_audio_files([path])[0]
                            .cpu().clone()))
            except AudioError as err:
                failed[path] = str(err)
        return out

    def search(self, query, top_k=5):
        """The ``top_k`` files that best match ``query``.

        Returns
        -------
        list of (str, float)
            Absolute path and cosine similarity, best first.
        """
        if not can_search(self.pengi):
            raise SearchError(NO_PROMPT_ENCODER)
        if not query or not query.strip():
            raise SearchError("type what to search for (e.g. 'a dog barks')")
        if not self.entries:
            raise SearchError(f"no audio files indexed in {self.folder}: "
                              f"add {', '.join(AUDIO_EXTENSIONS)} files")
        names = sorted(self.entries)
        audio = torch.stack([self.entries[n]["embedding"] for n in names])
        result = self.pengi.retrieve(
            [query.strip()], audio_embeddings=audio.to(self.pengi.device))
        sim = result["similarity"][0]
        order = result["text_to_audio"][0][:top_k]
        return [(os.path.join(self.folder, names[i]), float(sim[i]))
                for i in order]
