"""Sample data shipped with the package."""
