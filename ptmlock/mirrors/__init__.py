"""Other places that hold locked models: OCI registries (CNCF ModelPack artifacts).

A transport only: whatever it serves is verified against ptm.lock's sha256 like a hub download, so a
mirror can make an install faster but never change what is installed.
"""
