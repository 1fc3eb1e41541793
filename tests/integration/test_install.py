"""The package as a user installs it: ``pip install .`` (not editable) into a
fresh virtual environment, then the commands run from another folder; and
the GPT-2 internals that bound ``transformers`` in pyproject.toml.

The fresh environment reuses the already installed dependencies (torch and
the rest) through a folder of links to them, so nothing is downloaded; the
package itself is built and installed with ``--no-deps``, and ``pip check``
must then find every dependency it declares.
"""

import os
import re
import shutil
import site
import subprocess
import sys
import venv

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "..", "shared", "golden", "base_tiny")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
       "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": ""}


def _site_packages():
    """The site-packages of the Python running the tests."""
    return [p for p in site.getsitepackages() if p.endswith("site-packages")
            and os.path.isdir(p)][0]


def _link_dependencies(target):
    """Links every installed distribution but pengi-sb into ``target``."""
    os.makedirs(target)
    own = re.compile(r"^(pengi_sb|__editable__|_*pengi_sb).*|.*\.pth$")
    for name in os.listdir(_site_packages()):
        if not own.match(name) and name != "__pycache__":
            os.symlink(os.path.join(_site_packages(), name),
                       os.path.join(target, name))


def _copy_source(target):
    """The files ``pip install .`` needs, out of the working tree (pip
    builds in the source folder; this keeps build files out of it)."""
    os.makedirs(target)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(os.path.join(ROOT, name), target)
    shutil.copytree(os.path.join(ROOT, "pengi_sb"),
                    os.path.join(target, "pengi_sb"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _run(cmd, cwd, timeout=300):
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, (cmd, proc.stdout[-3000:],
                                  proc.stderr[-3000:])
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """``(python, bin folder)`` of a fresh venv with pengi-sb installed."""
    tmp = tmp_path_factory.mktemp("install")
    env_dir = str(tmp / "venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = os.path.join(env_dir, "bin", "python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()"
         "['purelib'])"], capture_output=True, text=True,
        check=True).stdout.strip()
    _link_dependencies(str(tmp / "deps"))
    with open(os.path.join(purelib, "_installed_deps.pth"), "w") as f:
        f.write(str(tmp / "deps") + "\n")
    _copy_source(str(tmp / "src"))
    pip = [sys.executable, "-m", "pip", "--python", python]
    _run(pip + ["install", "-q", "--no-deps", "--no-build-isolation",
                str(tmp / "src")], cwd=str(tmp))
    # only what is missing: pip check names any declared dependency absent
    check = subprocess.run(pip + ["check"], env=ENV, capture_output=True,
                           text=True)
    missing = re.findall(r"^pengi-sb [^ ]+ requires ([^,]+), which is not "
                         r"installed", check.stdout, re.M)
    if missing:
        _run(pip + ["install", "-q", *missing], cwd=str(tmp))
    return python, os.path.join(env_dir, "bin"), str(tmp)


def test_installed_package_is_not_the_checkout(installed):
    python, _, elsewhere = installed
    out = _run([python, "-c", "import pengi_sb, pengi_sb.convert as c, os; "
                "print(pengi_sb.__file__); print(sorted(os.listdir("
                "c.HPARAMS_DIR)))"], cwd=elsewhere)
    location, listing = out.splitlines()
    assert not location.startswith(ROOT + os.sep)
    assert "pengi_base.yaml" in listing and "pengi_small.yaml" in listing


def test_installed_commands(installed):
    python, bin_dir, elsewhere = installed
    out = _run([os.path.join(bin_dir, "pengi-sb"), "--help"], cwd=elsewhere)
    assert "caption" in out and "retrieve" in out
    out = _run([os.path.join(bin_dir, "pengi-sb"), "classify", "--help"],
               cwd=elsewhere)
    assert "example:" in out
    out = _run([python, "-m", "pengi_sb.convert", "--help"], cwd=elsewhere)
    assert "release" in out


def test_optional_extras_stay_optional(installed):
    """The package, its command line and the inference interface import
    none of the optional extras (metrics, app, dev)."""
    python, _, elsewhere = installed
    out = _run([python, "-c", "import sys, pengi_sb.inference.cli, "
                "pengi_sb.inference.interface, pengi_sb.convert, "
                "pengi_sb.training.export; print(sorted(m for m in ("
                "'gradio', 'matplotlib', 'playwright', 'pycocoevalcap', "
                "'sklearn', 'pytest') if m in sys.modules))"],
               cwd=elsewhere)
    assert out.strip() == "[]", out


def test_installed_golden_conformance(installed):
    python, _, elsewhere = installed
    out = _run([python, "-m", "pengi_sb.conformance",
                os.path.abspath(GOLDEN)], cwd=elsewhere, timeout=600)
    assert re.search(r"\b(\d+) passed, 0 failed", out), out[-2000:]


def test_gpt2_internals_the_decoder_uses():
    """The KV-cached decoder (pengi_sb/lobes/prefix_cache.py) and the
    prefix LM reach into GPT-2's modules; pyproject.toml caps transformers
    below the next major version for that. This names what changed."""
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(n_layer=1, n_head=2, n_embd=8, n_positions=8,
                        vocab_size=11)
    config._attn_implementation = "sdpa"
    gpt = GPT2LMHeadModel(config)
    needed = {
        "transformer.wte": "token embeddings",
        "transformer.wpe": "position embeddings",
        "transformer.h": "the list of blocks",
        "transformer.ln_f": "the final layer norm",
        "lm_head": "the output projection",
        "transformer.h.0.ln_1": "a block's first layer norm",
        "transformer.h.0.ln_2": "a block's second layer norm",
        "transformer.h.0.mlp": "a block's MLP",
        "transformer.h.0.attn.c_attn": "the fused q, k, v projection",
        "transformer.h.0.attn.c_proj": "the attention output projection",
    }
    modules = dict(gpt.named_modules())
    missing = [f"{name} ({what})" for name, what in needed.items()
               if name not in modules]
    attn = modules.get("transformer.h.0.attn")
    if getattr(attn, "num_heads", None) != 2:
        missing.append("transformer.h.0.attn.num_heads (the head count)")
    if getattr(gpt.config, "_attn_implementation", None) != "sdpa":
        missing.append("config._attn_implementation (set by "
                       "GPT2PrefixLM)")
    c_attn = modules.get("transformer.h.0.attn.c_attn")
    if c_attn is not None and tuple(c_attn.weight.shape) != (8, 24):
        missing.append("c_attn.weight as [n_embd, 3 * n_embd] (Conv1D)")
    import transformers

    assert not missing, (
        f"transformers {transformers.__version__} changed GPT-2 internals "
        f"the decoder uses: {', '.join(missing)}; update "
        "pengi_sb/lobes/prefix_cache.py and prefix_lm.py, then the bound "
        "in pyproject.toml")


def test_installed_transformers_is_within_the_declared_bound():
    import transformers

    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        spec = re.search(r'"transformers>=([\d.]+),<(\d+)"', f.read())
    assert spec, "pyproject.toml must bound transformers as >=X,<MAJOR"
    version = tuple(int(x) for x in re.findall(r"\d+",
                                               transformers.__version__)[:2])
    low = tuple(int(x) for x in spec.group(1).split(".")[:2])
    assert low <= version and version[0] < int(spec.group(2))
