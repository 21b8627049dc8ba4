"""`ptm audit`: what loading each locked file would run, judged by ptm.toml's [policy], from the store.

``formats`` tells a file's format from its bytes, ``pickles`` reads pickle streams without loading them,
``policy`` reads [policy], ``run`` audits a lock (``policy_findings`` is what `ptm lock`/`ptm install`
call), ``report`` prints the result. Standard library and ptmlock's formats only: no ML library is
imported, nothing is loaded.
"""
