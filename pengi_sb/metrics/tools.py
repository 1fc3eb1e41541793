"""Where the caption metrics' external tools are, and running them.

The caption metrics run Java programs: Stanford's PTB tokenizer and
METEOR 1.5 (jars shipped with ``pycocoevalcap``) and SPICE, which also
needs the Stanford CoreNLP 3.6.0 jars that no package registry ships.
:func:`find_java` and :func:`find_spice` find them or raise an error that
says how to install them; :func:`run_java` runs one and reports its error
output.

Authors
 * pengi-sb developers 2026
"""

import os
import shutil
import subprocess

__all__ = [
    "CORENLP_JARS",
    "CORENLP_URL",
    "SPICE_DIR_ENV",
    "SPICE_JAR",
    "SPICE_LIB_JARS",
    "find_java",
    "find_spice",
    "pycocoevalcap_dir",
    "pycocoevalcap_jar",
    "run_java",
]

SPICE_JAR = "spice-1.0.jar"
CORENLP_JARS = (
    "stanford-corenlp-3.6.0.jar",
    "stanford-corenlp-3.6.0-models.jar",
)
"""The Stanford CoreNLP 3.6.0 jars SPICE needs and no registry ships."""

SPICE_LIB_JARS = CORENLP_JARS + (
    "ejml-0.23.jar",
    "slf4j-api-1.7.12.jar",
    "slf4j-simple-1.7.21.jar",
    "lmdbjni-0.4.6.jar",
    "lmdbjni-linux64-0.4.6.jar",
    "fst-2.47.jar",
    "jackson-core-2.5.3.jar",
    "javassist-3.19.0-GA.jar",
    "objenesis-2.4.jar",
    "guava-19.0.jar",
    "json-simple-1.1.1.jar",
    "Meteor-1.5.jar",
    "SceneGraphParser-1.0.jar",
)
"""Files ``spice-1.0.jar``'s manifest loads from its ``lib/`` folder."""

CORENLP_URL = (
    "https://nlp.stanford.edu/software/stanford-corenlp-full-2015-12-09.zip"
)
SPICE_DIR_ENV = "PENGI_SB_SPICE_DIR"
"""Environment variable naming a folder with ``spice-1.0.jar`` and ``lib/``."""


def find_java(java_path=None):
    """Path of the Java executable the caption metrics run.

    Arguments
    ---------
    java_path : str, optional
        An explicit executable; else ``$JAVA_HOME/bin/java``, else
        ``java`` on the ``PATH``.

    Returns
    -------
    str
        The executable's path.

    Example
    -------
    >>> find_java("/nonexistent/java")
    Traceback (most recent call last):
     ...
    RuntimeError: Java executable '/nonexistent/java' does not exist...
    """
    if java_path is not None:
        if not os.path.isfile(java_path):
            raise RuntimeError(
                f"Java executable '{java_path}' does not exist or is not a "
                "file: pass the path of a Java (8 or newer) 'java' binary"
            )
        return str(java_path)
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.path.isfile(os.path.join(java_home, "bin", "java")):
        return os.path.join(java_home, "bin", "java")
    found = shutil.which("java")
    if found is None:
        raise RuntimeError(
            "Java is not installed (no 'java' on the PATH and no "
            "$JAVA_HOME/bin/java), but the PTB tokenizer, METEOR and SPICE "
            "are Java programs. Install a Java runtime, 8 or newer (for "
            "example 'apt-get install default-jre-headless'), or pass "
            "java_path; BLEU, ROUGE-L and CIDEr-D alone run without Java "
            "with tokenize=False"
        )
    return found


def pycocoevalcap_dir():
    """Folder of the installed ``pycocoevalcap`` package.

    Returns
    -------
    str
        The package's folder (its jars are below it).

    Raises
    ------
    ImportError
        Saying how to install it, when it is not installed.
    """
    try:
        import pycocoevalcap
    except ImportError:
        raise ImportError(
            "the caption metrics need the 'pycocoevalcap' package (the COCO "
            "caption evaluation code and its jars): pip install "
            "pycocoevalcap (or pip install pengi-sb[metrics])"
        ) from None
    return list(pycocoevalcap.__path__)[0]


def pycocoevalcap_jar(*parts):
    """Path of a jar shipped with pycocoevalcap; raises if it is missing.

    Arguments
    ---------
    *parts : str
        The jar's path inside the package (``"meteor", "meteor-1.5.jar"``).

    Returns
    -------
    str
        The jar's path.
    """
    path = os.path.join(pycocoevalcap_dir(), *parts)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"'{path}' is missing from the pycocoevalcap installation: "
            "reinstall it (pip install --force-reinstall pycocoevalcap)"
        )
    return path


def _spice_candidate_dirs(spice_dir):
    """Folders searched for ``spice-1.0.jar`` + ``lib/``, in order."""
    if spice_dir is not None:
        return [str(spice_dir)]
    dirs = []
    if os.environ.get(SPICE_DIR_ENV):
        dirs.append(os.environ[SPICE_DIR_ENV])
    try:
        dirs.append(os.path.join(pycocoevalcap_dir(), "spice"))
    except ImportError:
        pass
    cache = os.environ.get("AAC_METRICS_CACHE_PATH") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    dirs.append(os.path.join(cache, "aac-metrics", "spice"))
    return dirs


def _missing_spice_files(folder):
    """Files of a SPICE installation missing from ``folder``."""
    wanted = [SPICE_JAR] + [os.path.join("lib", j) for j in SPICE_LIB_JARS]
    return [
        name for name in wanted
        if not os.path.isfile(os.path.join(folder, name))
    ]


def find_spice(spice_dir=None):
    """Folder of a complete SPICE installation (``spice-1.0.jar`` + ``lib/``).

    Searched: ``spice_dir`` if given; else the folder named by the
    ``PENGI_SB_SPICE_DIR`` environment variable, ``pycocoevalcap/spice``
    and aac-metrics' cache (``$AAC_METRICS_CACHE_PATH`` or ``~/.cache``,
    then ``aac-metrics/spice``). ``pycocoevalcap`` ships SPICE without the
    Stanford CoreNLP 3.6.0 jars, which no package registry has.

    Arguments
    ---------
    spice_dir : str, optional
        A folder holding ``spice-1.0.jar`` and ``lib/``.

    Returns
    -------
    str
        The first complete folder.

    Example
    -------
    >>> find_spice("/nonexistent")
    Traceback (most recent call last):
     ...
    FileNotFoundError: SPICE (needed for SPICE and SPIDEr) is not installed...
    """
    searched = []
    for folder in _spice_candidate_dirs(spice_dir):
        missing = _missing_spice_files(folder)
        if not missing:
            return folder
        searched.append(f"  {folder}: missing {', '.join(missing)}")
    raise FileNotFoundError(
        "SPICE (needed for SPICE and SPIDEr) is not installed in any "
        "searched folder:\n" + "\n".join(searched) + "\n"
        f"SPICE needs {SPICE_JAR} with its lib/ folder, including the "
        f"Stanford CoreNLP 3.6.0 jars ({', '.join(CORENLP_JARS)}), which "
        f"no package registry ships. Get them from {CORENLP_URL} (extract "
        "those two jars from the zip into <folder>/lib/), or run "
        "'python -m pycocoevalcap.spice.get_stanford_models' from a "
        "writable pycocoevalcap install, or 'aac-metrics-download'. Then "
        f"pass spice_dir=<folder> or set {SPICE_DIR_ENV}=<folder>. Without "
        "them, leave 'spice' and 'spider' out of metrics"
    )


def run_java(command, what):
    """Runs a Java program; raises with its error output if it fails.

    Arguments
    ---------
    command : list of str
        The command line, the Java executable first.
    what : str
        The program's name, for the error messages.

    Returns
    -------
    str
        Its standard output (UTF-8).

    Example
    -------
    >>> run_java(["/nonexistent/java", "-version"], "Java check")
    Traceback (most recent call last):
     ...
    RuntimeError: Java check: could not start Java (/nonexistent/java): ...
    """
    try:
        completed = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True,
            check=False,
        )
    except OSError as err:
        raise RuntimeError(
            f"{what}: could not start Java ({command[0]}): {err}"
        ) from None
    if completed.returncode != 0:
        raise RuntimeError(
            f"{what} failed (exit {completed.returncode}): "
            f"{completed.stderr.decode(errors='replace')[-2000:]}"
        )
    return completed.stdout.decode("utf-8")
