"""Template tags of the portal layout."""
