"""Feedback and hotline reports (phản ánh, kiến nghị)."""

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "motcua.feedback"
    label = "feedback"
