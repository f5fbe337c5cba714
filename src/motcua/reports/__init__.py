"""Statistics, service-quality index and exports."""
