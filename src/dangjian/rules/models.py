"""rules models."""
