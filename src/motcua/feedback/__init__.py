"""Feedback and hotline reports (phản ánh, kiến nghị)."""
