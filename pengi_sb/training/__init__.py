"""Training: :class:`~pengi_sb.training.brain.PengiBrain`, its learning-rate
schedule, warm start, contrastive texts, and export of a trained model."""
