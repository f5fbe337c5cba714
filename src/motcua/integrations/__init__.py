"""National portal, identity provider and other agencies."""
