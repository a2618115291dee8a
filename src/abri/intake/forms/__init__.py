"""The XLSForm Abri ships for household registration (and, later, the intake pages' Django forms)."""
