"""Motcua: e-government platform for Vietnam's natural-resources-and-environment sector."""
