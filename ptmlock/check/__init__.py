"""`ptm check`: find model loads in Python source by static analysis, and say which are not pinned.

Nothing here imports the scanned code or any ML library; this package stays light so the check
starts fast (it runs as a pre-commit hook).
"""
