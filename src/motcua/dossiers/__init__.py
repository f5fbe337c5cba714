"""Dossiers: submission, lifecycle, attachments, receipts, tracking."""
