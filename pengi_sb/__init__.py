"""pengi-sb: Pengi, the audio language model, as a SpeechBrain plugin.

Authors
 * pengi-sb developers 2026
"""

__version__ = "0.1.0"
