"""Dataset preparation: official layouts -> manifests (layout checks, the
shared prepare command line, helpers of dataset families)."""
