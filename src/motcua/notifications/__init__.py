"""SMS, e-mail and other notifications."""
