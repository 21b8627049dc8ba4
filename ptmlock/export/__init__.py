"""`ptm export` and `ptm verify`: pinned ONNX/TorchScript artifacts, checked by inference.

The core imports nothing from here: ptm.toml's export settings are ``ptmlock.export_settings`` (part of
the manifest format). The modules that need torch, onnx or onnxruntime import them inside their functions.
"""
