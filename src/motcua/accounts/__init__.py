"""People, agencies, units and roles."""
