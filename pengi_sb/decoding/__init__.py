"""Decoding a Pengi prefix into text: batched KV-cached search
(:mod:`~pengi_sb.decoding.search`) and the original search as the
yardstick (:mod:`~pengi_sb.decoding.reference`)."""
