"""The public web portal: home, layout and shared pages."""
