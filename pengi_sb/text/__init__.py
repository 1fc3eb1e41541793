"""Text in and out of Pengi: tokenizers (:mod:`~pengi_sb.text.tokenizers`)
and sentence embeddings for text matching
(:mod:`~pengi_sb.text.sentence_embedding`)."""
