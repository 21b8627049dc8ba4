"""`ptm check` on real-world loading code, one snippet per case, through the real CLI (marks: snippets.py)."""

from __future__ import annotations

import pytest

from tests.snippets import SHA, check_snippet

SNIPPETS = {
    # --- transformers, imports and aliases -------------------------------------------------
    "module alias": """
        import transformers as tf
        tf.AutoModel.from_pretrained("bert-base-uncased")  # expect: PTM001
    """,
    "class alias": """
        from transformers import AutoModel as AM
        AM.from_pretrained("org/model", revision="main")  # expect: PTM002
    """,
    "function-local import": """
        def load():
            from transformers import AutoTokenizer
            return AutoTokenizer.from_pretrained("org/model")  # expect: PTM001
    """,
    "full sha is pinned": f"""
        from transformers import AutoModel
        AutoModel.from_pretrained("org/model", revision="{SHA}")  # state: pinned
    """,
    "short hex is a tag until proven otherwise": """
        from transformers import AutoModel
        AutoModel.from_pretrained("org/model", revision="abc1234")  # expect: PTM002
    """,
    "uppercase 40-hex is not a commit": f"""
        from transformers import AutoModel
        AutoModel.from_pretrained("org/model", revision="{SHA.upper()}")  # expect: PTM002
    """,
    "tag": """
        from transformers import AutoModel
        AutoModel.from_pretrained("org/model", revision="v1.0")  # expect: PTM002
    """,
    "revision=None is no revision": """
        from transformers import AutoModel
        AutoModel.from_pretrained("org/model", revision=None)  # expect: PTM001
    """,
    "module constants": f"""
        from transformers import AutoModel
        MODEL = "org/model"
        BRANCH = "main"
        COMMIT = "{SHA}"
        AutoModel.from_pretrained(MODEL, revision=BRANCH)  # expect: PTM002
        AutoModel.from_pretrained(MODEL, revision=COMMIT)  # state: pinned
    """,
    "function constants shadow module ones": f"""
        from transformers import AutoModel
        REV = "main"
        def load():
            REV = "{SHA}"
            return AutoModel.from_pretrained("org/model", revision=REV)  # state: pinned
    """,
    "a constant set twice is either hub id, unpinned": """
        import sys
        from transformers import AutoModel
        MODEL = "org/small"
        if sys.argv[1:]:
            MODEL = "org/large"
        AutoModel.from_pretrained(MODEL)  # expect: PTM001
    """,
    "f-string and concatenation": """
        from transformers import AutoModel
        ORG = "org"
        SIZE = "base"
        AutoModel.from_pretrained(f"{ORG}/model-{SIZE}")  # expect: PTM001
        AutoModel.from_pretrained(ORG + "/model")  # expect: PTM001
    """,
    "dict of model ids": """
        from transformers import AutoModel
        MODELS = {"small": "org/small", "large": "org/large"}
        AutoModel.from_pretrained(MODELS["small"])  # expect: PTM001
    """,
    "literal kwargs dicts": f"""
        from transformers import AutoModel
        MUTABLE = {{"revision": "dev"}}
        PINNED = dict(revision="{SHA}")
        AutoModel.from_pretrained("org/model", **MUTABLE)  # expect: PTM002
        AutoModel.from_pretrained("org/model", **PINNED)  # state: pinned
        AutoModel.from_pretrained("org/model", **{{"revision": "main"}})  # expect: PTM002
    """,
    "unknown kwargs may hold the revision": """
        from transformers import AutoModel
        def load(**kwargs):
            return AutoModel.from_pretrained("org/model", **kwargs)  # expect: PTM004
    """,
    "environment defaults": f"""
        import os
        from transformers import AutoModel
        AutoModel.from_pretrained("org/model", revision=os.environ.get("REV", "main"))  # expect: PTM002
        AutoModel.from_pretrained("org/model", revision=os.getenv("REV", "{SHA}"))  # state: pinned
        AutoModel.from_pretrained(os.getenv("MODEL", "org/model"))  # expect: PTM001
        AutoModel.from_pretrained("org/model", revision=os.environ["REV"])  # expect: PTM004
    """,
    "a variable is not a pin": """
        from transformers import AutoModel
        def load(revision):
            return AutoModel.from_pretrained("org/model", revision=revision)  # expect: PTM004
    """,
    "dynamic model id": f"""
        from transformers import AutoModel
        from settings import model_name
        def default_name():
            return "org/model"
        AutoModel.from_pretrained(default_name())  # expect: PTM001
        AutoModel.from_pretrained(model_name())  # expect: PTM005
        def load(name):
            AutoModel.from_pretrained(name)  # expect: PTM005
            AutoModel.from_pretrained(name, revision="{SHA}")  # state: pinned
    """,
    "trust_remote_code": f"""
        from transformers import AutoModelForCausalLM as LM
        LM.from_pretrained("org/model", trust_remote_code=True)  # expect: PTM001 PTM003
        LM.from_pretrained("org/m", revision="v2", trust_remote_code=True)  # expect: PTM002 PTM003
        LM.from_pretrained("org/m", revision="{SHA}", trust_remote_code=True)  # state: pinned
        LM.from_pretrained("./local", trust_remote_code=True)  # state: local
    """,
    "trust_remote_code known only at run time": f"""
        import os
        from transformers import AutoModel
        def load(trust):
            AutoModel.from_pretrained("o/m", trust_remote_code=trust)  # expect: PTM001 PTM003
            AutoModel.from_pretrained("o/m", revision="{SHA}", trust_remote_code=trust)  # state: pinned
        AutoModel.from_pretrained("o/m", trust_remote_code=os.getenv("T") == "1")  # expect: PTM001 PTM003
        AutoModel.from_pretrained("o/m", trust_remote_code=os.getenv("T", False))  # expect: PTM001 PTM003
        AutoModel.from_pretrained("o/m", trust_remote_code=False)  # expect: PTM001
        AutoModel.from_pretrained("o/m", trust_remote_code=None)  # expect: PTM001
    """,
    "an environment override of the revision is no pin for remote code": f"""
        import os
        import torch
        from transformers import AutoModel
        REV = os.environ.get("REV", "{SHA}")
        AutoModel.from_pretrained("org/m", trust_remote_code=True, revision=REV)  # expect: PTM003
        AutoModel.from_pretrained("org/m", revision=REV)  # state: pinned
        torch.hub.load(os.getenv("HUB", "pytorch/vision:{SHA}"), "resnet18")  # expect: PTM003
    """,
    "multi-line call": """
        from transformers import AutoModel
        model = AutoModel.from_pretrained(  # expect: PTM001
            "org/model",
            torch_dtype="auto",
        )
    """,
    "local paths are not hub loads": """
        import os
        from pathlib import Path
        from transformers import AutoModel
        AutoModel.from_pretrained("./checkpoints/best")  # state: local
        AutoModel.from_pretrained("/models/bert")  # state: local
        AutoModel.from_pretrained("~/models/bert")  # state: local
        AutoModel.from_pretrained("outputs/run-1/checkpoint-500")  # state: local
        AutoModel.from_pretrained(os.path.join("models", "bert"))  # state: local
        AutoModel.from_pretrained(Path("models") / "bert")  # state: local
        AutoModel.from_pretrained(str(Path(__file__).parent / "model"))  # state: local
        AutoModel.from_pretrained("C:\\\\models\\\\bert")  # state: local
        AutoModel.from_pretrained("weights.safetensors")  # state: local
    """,
    "a model object handed to pipeline is not another load": f"""
        from transformers import AutoModel, pipeline
        model = AutoModel.from_pretrained("org/model", revision="{SHA}")  # state: pinned
        pipe = pipeline("feature-extraction", model=model)
        pipe("text")
    """,
    "pipeline": f"""
        from transformers import pipeline
        pipeline("text-classification", model="org/model")  # expect: PTM001
        pipeline("text-classification", "org/model", revision="{SHA}")  # state: pinned
        pipeline("sentiment-analysis")  # expect: PTM001
        pipeline(task="fill-mask", model="org/model", trust_remote_code=True)  # expect: PTM001 PTM003
    """,
    "pipeline under another name": """
        from transformers import pipeline as make
        make("fill-mask", model="org/model")  # expect: PTM001
    """,
    "calling a loaded tokenizer is not a load": f"""
        from transformers import AutoTokenizer
        tokenizer = AutoTokenizer.from_pretrained("org/model", revision="{SHA}")  # state: pinned
        tokenizer("hello")
    """,
    "star import": """
        from transformers import *
        AutoModel.from_pretrained("org/model")  # expect: PTM001
    """,
    "builtins win over a star import": """
        from transformers import *
        extra = dict(revision="dev")
        AutoConfig.from_pretrained("org/cfg", **extra)  # expect: PTM002
        AutoConfig.from_pretrained(str("org/cfg"))  # expect: PTM001
    """,
    "optional import": """
        try:
            from transformers import AutoModel
        except ImportError:
            AutoModel = None
        AutoModel.from_pretrained("org/model")  # expect: PTM001
    """,
    "function held in a variable": """
        from huggingface_hub import hf_hub_download
        import tensorflow_hub as hub
        fetch = hf_hub_download
        layer = hub.KerasLayer
        fetch("org/model", "config.json")  # expect: PTM001
        layer("https://tfhub.dev/google/universal-sentence-encoder")  # expect: PTM001
    """,
    "class held in a variable": """
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM
        model_class = AutoModelForCausalLM
        model_class.from_pretrained("org/model")  # expect: PTM001
    """,
    "subclass of a library model": """
        from transformers import BertPreTrainedModel
        class Classifier(BertPreTrainedModel):
            pass
        Classifier.from_pretrained("org/model")  # expect: PTM001
    """,
    "a class of the file extending a loading class loads when made": f"""
        import faster_whisper
        from sentence_transformers import SentenceTransformer
        from torch import nn
        class WhisperModel(faster_whisper.WhisperModel):
            pass
        class Encoder(SentenceTransformer):
            pass
        class Head(nn.Module):
            pass
        def load_model(arch):
            return WhisperModel(arch)  # expect: PTM005
        WhisperModel("large-v3")  # expect: PTM001
        Encoder("sentence-transformers/all-MiniLM-L6-v2", revision="{SHA}")  # state: pinned
        Head()
    """,
    "model class with the hub mixin": """
        from huggingface_hub import PyTorchModelHubMixin
        from torch import nn
        class Net(nn.Module, PyTorchModelHubMixin):
            pass
        Net.from_pretrained("org/net")  # expect: PTM001
    """,
    "unknown receiver with a literal hub id": """
        class Loader:
            model_class = None
            def load(self):
                return self.model_class.from_pretrained("org/model")  # expect: PTM001
            def load_any(self, name):
                return self.model_class.from_pretrained(name)
    """,
    # --- other Hugging Face libraries -------------------------------------------------------
    "peft adapter is the second argument": f"""
        from peft import PeftModel
        from transformers import AutoModelForCausalLM
        base = AutoModelForCausalLM.from_pretrained("org/base", revision="{SHA}")  # state: pinned
        PeftModel.from_pretrained(base, "org/adapter")  # expect: PTM001
        PeftModel.from_pretrained(base, "org/adapter", revision="{SHA}")  # state: pinned
    """,
    "sentence-transformers": """
        from sentence_transformers import CrossEncoder, SentenceTransformer
        SentenceTransformer("all-MiniLM-L6-v2")  # expect: PTM001
        CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2", revision="main")  # expect: PTM002
        SentenceTransformer(modules=[])
    """,
    "diffusers": """
        import torch
        from diffusers import StableDiffusionPipeline
        StableDiffusionPipeline.from_pretrained("org/sd", torch_dtype=torch.float16)  # expect: PTM001
    """,
    "huggingface_hub downloads": f"""
        from huggingface_hub import HfApi, hf_hub_download, snapshot_download
        from huggingface_hub import hf_hub_download as fetch
        hf_hub_download("org/model", "config.json")  # expect: PTM001
        snapshot_download(repo_id="org/model", revision="{SHA}")  # state: pinned
        fetch(repo_id="org/model", filename="config.json")  # expect: PTM001
        HfApi().snapshot_download("org/model")  # expect: PTM001
        hf_hub_download("org/data", "train.csv", repo_type="dataset")  # expect: PTM020
    """,
    "datasets": """
        from datasets import load_dataset
        load_dataset("org/dataset")  # expect: PTM020
        load_dataset("csv", data_files="train.csv")  # state: local
    """,
    "vllm": """
        from vllm import LLM
        LLM("org/model", trust_remote_code=True)  # expect: PTM001 PTM003
    """,
    # --- torch hub, URLs, torchvision -------------------------------------------------------
    "torch.hub": f"""
        import torch
        torch.hub.load("pytorch/vision:v0.10.0", "resnet18", pretrained=True)  # expect: PTM002 PTM003
        torch.hub.load("pytorch/vision", "resnet18")  # expect: PTM001 PTM003
        torch.hub.load("pytorch/vision:{SHA}", "resnet18")  # state: pinned
        torch.hub.load("./hubconf_dir", "resnet18", source="local")  # state: local
    """,
    "torch.hub under another name": """
        from torch import hub as th
        th.load("pytorch/vision", "resnet18")  # expect: PTM001 PTM003
    """,
    "weights from URLs": f"""
        from torch.hub import load_state_dict_from_url
        from torch.utils import model_zoo
        load_state_dict_from_url("https://example.com/weights.pth")  # expect: PTM001
        load_state_dict_from_url("https://x.org/resnet18-f37072fd.pth", check_hash=True)  # state: pinned
        load_state_dict_from_url("https://x.org/resnet18-f37072fd.pth")  # expect: PTM001
        model_zoo.load_url("https://huggingface.co/org/m/resolve/main/w.pth")  # expect: PTM002
        model_zoo.load_url("https://huggingface.co/org/m/resolve/{SHA}/w.pth")  # state: pinned
    """,
    "torchvision weights": """
        from torchvision import models
        from torchvision.models import ResNet50_Weights
        models.resnet50(weights = "DEFAULT")  # expect: PTM002
        models.resnet50(weights=ResNet50_Weights.DEFAULT)  # expect: PTM002
        models.resnet50(weights=ResNet50_Weights.IMAGENET1K_V2)  # state: pinned
        models.resnet50(**{"weights": "DEFAULT"})  # expect: PTM002
        models.resnet50(pretrained=True)  # state: pinned
        models.resnet50()
        models.resnet50(weights=None)
    """,
    # --- timm, open_clip, clip, whisper, keras, tensorflow_hub -----------------------------
    "timm": f"""
        import timm
        from timm import create_model as build
        timm.create_model("resnet50", pretrained=True)  # expect: PTM001
        timm.create_model("resnet50")
        timm.create_model("hf-hub:timm/resnet50.a1_in1k@{SHA}", pretrained=True)  # state: pinned
        timm.create_model("hf-hub:timm/resnet50.a1_in1k", pretrained=True)  # expect: PTM001
        build("vit_base_patch16_224", pretrained=True)  # expect: PTM001
    """,
    "open_clip": """
        import open_clip
        open_clip.create_model_and_transforms("ViT-B-32", pretrained="laion2b_s34b_b79k")  # expect: PTM001
        open_clip.create_model("ViT-B-32", pretrained="/weights/clip.pt")  # state: local
        open_clip.create_model("ViT-B-32")
    """,
    "openai clip and whisper": """
        import clip
        import whisper
        clip.load("ViT-B/32")  # state: pinned
        whisper.load_model("base")  # state: pinned
        whisper.load_model("large")  # expect: PTM002
    """,
    "keras applications": """
        from tensorflow import keras
        from tensorflow.keras.applications import ResNet50
        ResNet50(weights="imagenet")  # state: pinned
        keras.applications.MobileNetV2()  # state: pinned
        ResNet50(weights=None)
        keras.applications.resnet50.preprocess_input(None)
    """,
    "tensorflow_hub": """
        import tensorflow_hub as hub
        hub.KerasLayer("https://tfhub.dev/google/imagenet/mobilenet_v2/feature_vector/5")  # state: pinned
        hub.load("https://tfhub.dev/google/universal-sentence-encoder")  # expect: PTM001
    """,
    # --- negatives ---------------------------------------------------------------------------
    "comments, docstrings and strings are not calls": '''
        """Usage:

            >>> model = AutoModel.from_pretrained("bert-base-uncased")
        and AutoModel.from_pretrained("bert-base-uncased") in prose.
        """
        from transformers import AutoModel
        # model = AutoModel.from_pretrained("bert-base-uncased")
        EXAMPLE = 'AutoModel.from_pretrained("bert-base-uncased")'
        print("call from_pretrained('bert-base-uncased') to load")
    ''',
    "from_pretrained of an unrelated class": """
        class Config:
            @classmethod
            def from_pretrained(cls, name):
                return cls()
        Config.from_pretrained("org/model")
    """,
    "a parameter shadows the import": """
        from transformers import AutoModel
        def build(AutoModel, name):
            return AutoModel.from_pretrained(name)
    """,
    "torch.load is local": """
        import torch
        torch.load("model.pt")
    """,
}


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_check_classifies_real_world_loads(name: str, ptm) -> None:
    check_snippet(SNIPPETS[name], ptm)
