"""`ptm export` and `ptm verify`: pinned ONNX/TorchScript artifacts, checked by inference.

Only ``spec`` and ``records`` are imported by the core (manifest and lock); they are pure Python. The
modules that need torch, onnx or onnxruntime import them inside their functions.
"""
