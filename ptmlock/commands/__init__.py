"""One module per `ptm` command, each imported only when its command runs (see ``ptmlock.cli``)."""
