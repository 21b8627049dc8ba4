"""How a loaded model is changed after loading, inferred from code: heads replaced, added or removed,
layers frozen, adapters put on, embeddings resized, weights trained.

Snippet tables: a comment line ``# adapt: <model> <adaptation>: <detail>`` says the next line changes the
load whose model id is <model> (several such lines for several changes); every other line must produce
nothing, which makes each snippet's unmarked lines its negatives (the same pattern on a
module built locally, a read without an assignment, another variable frozen). Each snippet goes
through the real scanner and the real bindings.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ptmlock.check.scanner import scan_source
from ptmlock.dataflow import InferredAdaptation, Site
from ptmlock.dataflow.adaptations import find_adaptations
from ptmlock.dataflow.bindings import ModelBindings
from ptmlock.dataflow.infer import infer
from ptmlock.taxonomy import ADAPTATIONS

_MARK = re.compile(r"#\s*adapt:\s*(.+)")
_ONE = re.compile(r"(\S+) ([\w-]+): (.+)")


def adaptations_of(snippet: str, path: str = "scripts/snippet.py") -> list[InferredAdaptation]:
    source = textwrap.dedent(snippet).lstrip("\n").encode()
    scan = scan_source(source, path, None)
    assert scan.error is None, scan.error
    tree = ast.parse(source)
    return find_adaptations(tree, path, ModelBindings(tree, source, path, scan.loads))


def marked(snippet: str) -> set[tuple[int, str, str, str]]:
    """The (line, model, adaptation, detail) the mark lines ask for, each on the line after its marks."""
    found, pending = set(), []
    for number, line in enumerate(textwrap.dedent(snippet).lstrip("\n").splitlines(), start=1):
        mark = _MARK.fullmatch(line.strip())
        if mark is not None:
            parsed = _ONE.fullmatch(mark.group(1).strip())
            assert parsed is not None, line
            pending.append(parsed.groups())
            continue
        found.update((number, *groups) for groups in pending)
        pending = []
    return found


def check(snippet: str) -> list[InferredAdaptation]:
    found = adaptations_of(snippet)
    got = {(a.evidence.line, a.model.pin.model or a.model.call, a.adaptation, a.detail) for a in found}
    assert got == marked(snippet)
    assert all(a.adaptation in ADAPTATIONS for a in found)
    return found


SNIPPETS = {
    "a head replaced by a new module": """
        import torch
        from torch import nn
        import torchvision
        from transformers import AutoModelForSequenceClassification
        model = AutoModelForSequenceClassification.from_pretrained("org/bert")
        # adapt: org/bert modification: classifier replaced by nn.Linear
        model.classifier = nn.Linear(768, 3)
        vit = torchvision.models.vit_b_16(weights="DEFAULT")
        # adapt: vit_b_16 modification: heads.head replaced by nn.Linear
        vit.heads.head = nn.Linear(768, 10)
        vgg = torchvision.models.vgg16(weights="DEFAULT")
        # adapt: vgg16 modification: classifier[6] replaced by nn.Linear
        vgg.classifier[6] = nn.Linear(4096, 2)
        head = nn.Sequential(nn.Dropout(0.1), nn.Linear(512, 2))
        net = torchvision.models.resnet18(weights="DEFAULT")
        # adapt: resnet18 modification: fc replaced by head
        net.fc = head
        # adapt: resnet18 modification: layer4 replaced by nn.Sequential
        setattr(net, "layer4", nn.Sequential())
        setattr(net, name, head)
        print(model.classifier, net.fc.in_features)
        # adapt: org/bert weights: classifier.bias set to a new nn.Parameter
        model.classifier.bias = nn.Parameter(torch.zeros(3))
        model.classifier.weight = shared.weight
        model.config.num_labels = 3
        model.config.pad_token_id = None
        model.classifier = model.classifier.half()
        model.name = "mine"
        local = nn.Sequential(nn.Linear(4, 4))
        local.fc = nn.Linear(4, 2)
        local.classifier = head
    """,
    "a module the checkpoint does not have, added": """
        from torch import nn
        from transformers import AutoModel
        encoder = AutoModel.from_pretrained("org/encoder")
        # adapt: org/encoder addition: regressor added: nn.Linear
        encoder.regressor = nn.Linear(768, 1)
        encoder.device_hint = device
        encoder.callback = LoggingCallback()
        # adapt: org/encoder addition: pooler_head added: PoolerHead
        encoder.pooler_head = PoolerHead(768)
        mine = nn.Module()
        mine.regressor = nn.Linear(768, 1)
    """,
    "a head added on the model's output, in a module built around it": """
        import torch
        from torch import nn
        from transformers import AutoModel

        class Classifier(nn.Module):
            def __init__(self, labels):
                super().__init__()
                self.encoder = AutoModel.from_pretrained("org/encoder")
                self.dropout = nn.Dropout(0.1)
                self.classifier = nn.Linear(768, labels)
                self.loss = nn.CrossEntropyLoss()

            def forward(self, batch, labels):
                pooled = self.encoder(**batch).pooler_output
                # adapt: org/encoder addition: self.classifier (nn.Linear) added on its output
                logits = self.classifier(self.dropout(pooled))
                return self.loss(logits, labels)

        projection = nn.Linear(512, 128)
        def embed(batch, other):
            model = AutoModel.from_pretrained("org/vision")
            features = model(**batch).last_hidden_state
            # adapt: org/vision addition: projection (nn.Linear) added on its output
            out = projection(features)
            unrelated = projection(other)
            scratch = nn.Sequential(nn.Linear(4, 4))
            return scratch(torch.relu(out))  # a layer after the head: not another head

        def score(batch, labels):
            judge = AutoModel.from_pretrained("org/judge")
            criterion = nn.CrossEntropyLoss()
            drop = nn.Dropout(0.1)
            return criterion(drop(judge(**batch).logits), labels)
    """,
    "a head stacked on a model in a Sequential or called on its output": """
        import tensorflow as tf
        import torchvision
        from torch import nn
        from tensorflow.keras import layers
        base = tf.keras.applications.MobileNetV2(weights="imagenet")
        # adapt: MobileNetV2 addition: layers.Dense added after it in tf.keras.Sequential
        model = tf.keras.Sequential([base, layers.GlobalAveragePooling2D(), layers.Dense(10)])
        inputs = tf.keras.Input(shape=(224, 224, 3))
        # adapt: MobileNetV2 addition: layers.Dense(2) (layers.Dense) added on its output
        outputs = layers.Dense(2)(base(inputs))
        resnet = torchvision.models.resnet18(weights="DEFAULT")
        # adapt: resnet18 addition: nn.Linear added after it in nn.Sequential
        net = nn.Sequential(resnet, nn.ReLU(), nn.Linear(1000, 2))
        plain = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
        tail = nn.Sequential(nn.Linear(1000, 2), resnet)
    """,
    "a head removed": """
        from torch import nn
        import torchvision
        from diffusers import StableDiffusionPipeline
        from transformers import AutoModel

        class Embedder(nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = torchvision.models.resnet50(weights="DEFAULT")
                # adapt: resnet50 deletion: fc removed (replaced by nn.Identity)
                self.backbone.fc = nn.Identity()
                self.proj = nn.Identity()

        pipe = StableDiffusionPipeline.from_pretrained("org/sd")
        # adapt: org/sd deletion: safety_checker removed (set to None)
        pipe.safety_checker = None
        bert = AutoModel.from_pretrained("org/bert")
        # adapt: org/bert deletion: pooler deleted
        del bert.pooler
        scratch = nn.Linear(3, 3)
        del scratch.bias
    """,
    "a pipeline's scheduler swapped: configuration, not weights": """
        from diffusers import DiffusionPipeline, DPMSolverMultistepScheduler
        pipe = DiffusionPipeline.from_pretrained("org/sd")
        # adapt: org/sd configuration: scheduler replaced by DPMSolverMultistepScheduler
        pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
        pipe.scheduler.config.steps = 4
        # adapt: org/sd configuration: tokenizer replaced by CLIPTokenizer
        pipe.tokenizer = CLIPTokenizer.from_pretrained("./my-tokenizer")
    """,
    "a head cut off or left out at load": """
        import timm
        import torchvision
        import tensorflow as tf
        from torch import nn
        net = torchvision.models.resnet18(weights="DEFAULT")
        # adapt: resnet18 deletion: last module cut off (children()[:-1])
        trunk = nn.Sequential(*list(net.children())[:-1])
        # adapt: resnet18 deletion: last 2 modules cut off (children()[:-2])
        layers = list(net.children())[:-2]
        # adapt: ResNet50 deletion: head left out at load (include_top=False)
        base = tf.keras.applications.ResNet50(weights="imagenet", include_top=False)
        # adapt: resnet50 deletion: head left out at load (num_classes=0)
        feats = timm.create_model("resnet50", pretrained=True, num_classes=0)
        from transformers import AutoModelForImageClassification
        # adapt: org/vit modification: head re-initialised at load (ignore_mismatched_sizes=True)
        vit = AutoModelForImageClassification.from_pretrained("org/vit", ignore_mismatched_sizes=True)
        same = timm.create_model("vit_base", pretrained=True, num_classes=False, features_only=1)
        local = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        short = nn.Sequential(*list(local.children())[:-1])
        everything = list(net.children())[1:]
    """,
    "layers frozen: the weights stay as they are": """
        from torch import nn
        from transformers import AutoModel, AutoModelForSequenceClassification
        model = AutoModelForSequenceClassification.from_pretrained("org/bert")
        # adapt: org/bert as-is: frozen (all parameters)
        for p in model.parameters():
            p.requires_grad = False
        # adapt: org/bert as-is: frozen: bert.encoder
        for param in model.bert.encoder.parameters():
            param.requires_grad_(False)
        # adapt: org/bert as-is: frozen: parameters where not name.startswith('classifier')
        for name, param in model.named_parameters():
            if not name.startswith("classifier"):
                param.requires_grad = False
        # adapt: org/bert as-is: frozen: bert parameters where not ('pooler' in name)
        for name, param in model.bert.named_parameters():
            if "pooler" in name:
                continue
            else:
                param.requires_grad = False
        # adapt: org/bert as-is: frozen: bert.embeddings
        model.bert.embeddings.requires_grad_(False)
        # adapt: org/bert as-is: frozen: get_encoder().layer
        model.get_encoder().layer.requires_grad_(False)
        text = AutoModel.from_pretrained("org/text")
        # adapt: org/text as-is: frozen (all parameters)
        text.requires_grad_(False)
        blocks = text.encoder
        # adapt: org/text as-is: frozen: encoder
        blocks.requires_grad_(requires_grad=False)
        for layer in text.encoder.layer[:6]:
            # adapt: org/text as-is: frozen: encoder.layer[:6]
            for p in layer.parameters():
                p.requires_grad = False
        text.requires_grad_(True)
        text.encoder.requires_grad_()
        for p in text.parameters():
            other.requires_grad = False
        for p in text.parameters():
            p.requires_grad = True
        head = nn.Linear(768, 2)
        head.requires_grad_(False)
        for p in head.parameters():
            p.requires_grad = False
    """,
    "a name holding one of several models changes each": """
        from diffusers import AutoencoderKL
        from transformers import AutoModel, CLIPTextModel
        if large:
            model = AutoModel.from_pretrained("org/large")
        else:
            model = AutoModel.from_pretrained("org/small")
        # adapt: org/large as-is: frozen: encoder
        # adapt: org/small as-is: frozen: encoder
        model.encoder.requires_grad_(False)
        vae = AutoencoderKL.from_pretrained("org/vae")
        text_encoder = CLIPTextModel.from_pretrained("org/clip")
        for frozen in (vae, text_encoder):
            # adapt: org/vae as-is: frozen (all parameters)
            # adapt: org/clip as-is: frozen (all parameters)
            frozen.requires_grad_(False)
    """,
    "keras layers frozen": """
        import tensorflow as tf
        base = tf.keras.applications.MobileNetV2(weights="imagenet")
        # adapt: MobileNetV2 as-is: frozen (all parameters)
        base.trainable = False
        for layer in base.layers[:-4]:
            # adapt: MobileNetV2 as-is: frozen: layers[:-4]
            layer.trainable = False
        for layer in base.layers[-4:]:
            layer.trainable = True
        top = tf.keras.layers.Dense(2)
        top.trainable = False
    """,
    "PEFT adapters put on": """
        from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
        from transformers import AutoModelForCausalLM
        from diffusers import StableDiffusionPipeline
        lm = AutoModelForCausalLM.from_pretrained("org/llm")
        # adapt: org/llm adapter: prepared for k-bit adapter training via prepare_model_for_kbit_training
        lm = prepare_model_for_kbit_training(lm)
        config = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], lora_dropout=0.05)
        # adapt: org/llm adapter: LoRA adapter (r=8, alpha=16, targets=[q_proj, v_proj]) via get_peft_model
        lm = get_peft_model(lm, config)
        base = AutoModelForCausalLM.from_pretrained("org/base")
        # adapt: org/base adapter: adapter org/adapter via PeftModel.from_pretrained
        tuned = PeftModel.from_pretrained(base, "org/adapter")
        other = AutoModelForCausalLM.from_pretrained("org/other")
        # adapt: org/other adapter: LoRA adapter (r=4) via add_adapter
        other.add_adapter(LoraConfig(r=4), adapter_name="mine")
        pipe = StableDiffusionPipeline.from_pretrained("org/sd")
        # adapt: org/sd adapter: LoRA weights org/lora via load_lora_weights
        pipe.load_lora_weights("org/lora")
        # adapt: org/sd adapter: adapter org/unet-adapter on unet via load_adapter
        pipe.unet.load_adapter("org/unet-adapter")
        # adapt: org/sd addition: textual-inversion embedding org/concept via load_textual_inversion
        pipe.load_textual_inversion("org/concept")
        # adapt: org/sd adapter: IP-Adapter org/ip-adapter via load_ip_adapter
        pipe.load_ip_adapter("org/ip-adapter", subfolder="models", weight_name="ip.bin")
        # adapt: org/sd adapter: LoRA adapter (targets=[to_q, to_v]) on unet via inject_adapter_in_model
        inject_adapter_in_model(LoraConfig(target_modules=["to_q", "to_v"]), pipe.unet)
        scratch = MyNet()
        scratch = get_peft_model(scratch, config)
    """,
    "token embeddings resized": """
        from transformers import AutoModelForCausalLM, AutoTokenizer
        tok = AutoTokenizer.from_pretrained("org/llm")
        tok.add_special_tokens({"pad_token": "[PAD]"})
        model = AutoModelForCausalLM.from_pretrained("org/llm")
        # adapt: org/llm modification: token embeddings resized to len(tok)
        model.resize_token_embeddings(len(tok))
        pipe_text = model.model
        # adapt: org/llm modification: model token embeddings resized to 32008
        pipe_text.resize_token_embeddings(new_num_tokens=32008)
        print(model.get_input_embeddings())
        mine.resize_token_embeddings(10)
    """,
    "fine-tuned by an optimizer and backward passes": """
        import itertools
        import torch
        from diffusers import UNet2DConditionModel
        from transformers import CLIPTextModel
        from torch import nn
        from transformers import AutoModel
        def train(loader):
            model = AutoModel.from_pretrained("org/encoder")
            head = nn.Linear(768, 2)
            # adapt: org/encoder weights: fine-tuned in train
            optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
            heads = torch.optim.SGD(head.parameters(), lr=0.1)
            for batch in loader:
                # adapt: org/encoder addition: head (nn.Linear) added on its output
                loss = head(model(**batch).pooler_output).sum()
                loss.backward()
                optimizer.step()

        def train_unet(args, text_encoder):
            unet = UNet2DConditionModel.from_pretrained("org/unet")
            optimizer_cls = bnb.optim.AdamW8bit if args.use_8bit_adam else torch.optim.AdamW
            params = itertools.chain(unet.parameters(), text_encoder.parameters())
            # adapt: org/unet weights: fine-tuned in train_unet
            optimizer = optimizer_cls(params, lr=args.learning_rate)
            accelerator.backward(loss)

        def tune_embeddings():
            text = CLIPTextModel.from_pretrained("org/clip")
            # adapt: org/clip weights: fine-tuned in tune_embeddings (get_input_embeddings())
            optimizer = torch.optim.AdamW(text.get_input_embeddings().parameters(), lr=5e-4)

        class Tuner:
            def setup(self):
                self.net = AutoModel.from_pretrained("org/net")
                # adapt: org/net weights: fine-tuned in Tuner.setup (encoder)
                self.opt = AdamW([{"params": self.net.encoder.parameters(), "lr": 1e-5}])
    """,
    "fine-tuned by fit": """
        import tensorflow as tf
        from sentence_transformers import SentenceTransformer
        def keras_tune(data):
            base = tf.keras.applications.MobileNetV2(weights="imagenet")
            base.compile(optimizer="adam", loss="mse")
            # adapt: MobileNetV2 weights: fine-tuned in keras_tune by fit
            base.fit(data, epochs=1)
        embedder = SentenceTransformer("org/st")
        # adapt: org/st weights: fine-tuned in snippet.py by fit
        embedder.fit(train_objectives=[(loader, loss)], epochs=1)
        embedder.encoder.fit(data)
        scratch = tf.keras.Sequential([tf.keras.layers.Dense(2)])
        scratch.fit(data)
    """,
    "an optimizer where nothing runs a backward pass trains nothing": """
        import torch
        from transformers import AutoModel
        model = AutoModel.from_pretrained("org/encoder")
        optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
    """,
    "fine-tuned by a trainer that trains": """
        from transformers import AutoModelForSequenceClassification, Trainer
        from trl import SFTTrainer
        def tune(args, data):
            model = AutoModelForSequenceClassification.from_pretrained("org/bert")
            # adapt: org/bert weights: fine-tuned in tune by Trainer
            trainer = Trainer(model=model, args=args, train_dataset=data)
            trainer.train()
        def sft(data):
            lm = AutoModelForSequenceClassification.from_pretrained("org/lm")
            # adapt: org/lm weights: fine-tuned in sft by SFTTrainer
            SFTTrainer(lm, train_dataset=data).train()
        def sft_lora(data):
            lm = AutoModelForSequenceClassification.from_pretrained("org/lora-base")
            peft_config = LoraConfig(r=16, lora_alpha=32)
            # adapt: org/lora-base adapter: LoRA adapter (r=16, alpha=32) trained in sft_lora by SFTTrainer
            trainer = SFTTrainer(model=lm, train_dataset=data, peft_config=peft_config)
            trainer.train()
        def sft_maybe_lora(data, model_args):
            lm = AutoModelForSequenceClassification.from_pretrained("org/maybe")
            # adapt: org/maybe weights: fine-tuned in sft_maybe_lora by SFTTrainer
            trainer = SFTTrainer(model=lm, peft_config=get_peft_config(model_args))
            trainer.train()
        def score(args, data):
            judge = AutoModelForSequenceClassification.from_pretrained("org/judge")
            evaluator = Trainer(model=judge, args=args)
            evaluator.evaluate(data)
    """,
    "training after a trainable adapter trains the adapter, not the base": """
        import torch
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM
        lm = AutoModelForCausalLM.from_pretrained("org/llm")
        # adapt: org/llm adapter: LoRA adapter (r=16) via get_peft_model
        lm = get_peft_model(lm, LoraConfig(r=16))
        optimizer = torch.optim.AdamW(lm.parameters(), lr=1e-4)
        lm(**batch).loss.backward()
    """,
}


@pytest.mark.parametrize("name", SNIPPETS)
def test_adaptation_snippets(name: str) -> None:
    check(SNIPPETS[name])


def test_evidence_names_the_file_line_and_statement() -> None:
    (frozen,) = adaptations_of(
        """
        from transformers import AutoModel
        encoder = AutoModel.from_pretrained("org/encoder")

        for name, param in encoder.named_parameters():
            if "layer.11" not in name:
                param.requires_grad = False
        """,
        path="src/train.py",
    )
    assert frozen.model.call == 'AutoModel.from_pretrained("org/encoder")'
    assert frozen.evidence == Site(
        "src/train.py", 4, "for name, param in encoder.named_parameters(): param.requires_grad = False"
    )
    assert frozen.detail == "frozen: parameters where 'layer.11' not in name"


def test_infer_reports_the_adaptations_of_a_project_across_its_files(tmp_path: Path) -> None:
    """The model is loaded in one module and adapted in another that imports it: infer() names the
    load where it is, and the change where it happens, relative to the root."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "models.py").write_text(
        textwrap.dedent(
            """
            from transformers import AutoModelForSequenceClassification

            def load_classifier():
                return AutoModelForSequenceClassification.from_pretrained("org/bert")
            """
        )
    )
    (tmp_path / "pkg" / "train.py").write_text(
        textwrap.dedent(
            """
            import torch
            from torch import nn
            from .models import load_classifier

            def main(loader):
                model = load_classifier()
                model.classifier = nn.Linear(768, 5)
                model.bert.requires_grad_(False)
                optimizer = torch.optim.AdamW(model.classifier.parameters(), lr=1e-3)
                for batch in loader:
                    model(**batch).loss.backward()
                    optimizer.step()
            """
        )
    )
    inference = infer([], tmp_path)
    got = {
        (a.model.pin.model, Path(a.model.path).name, a.adaptation, a.detail, a.evidence.path, a.evidence.line)
        for a in inference.adaptations
    }
    assert got == {
        ("org/bert", "models.py", "modification", "classifier replaced by nn.Linear", "pkg/train.py", 8),
        ("org/bert", "models.py", "as-is", "frozen: bert", "pkg/train.py", 9),
        ("org/bert", "models.py", "weights", "fine-tuned in main (classifier)", "pkg/train.py", 10),
    }


def test_init_from_code_notes_each_change_to_a_model_under_its_header(ptm: Any) -> None:
    """Through the real CLI: every change to a declared model is a comment under its header, with the
    file, the line and the statement; a module built in the code gets none."""
    Path("train.py").write_text(
        textwrap.dedent(
            """
            import torch
            from torch import nn
            from transformers import AutoModelForSequenceClassification

            def main(loader):
                model = AutoModelForSequenceClassification.from_pretrained("org/bert")
                model.classifier = nn.Linear(768, 5)
                for p in model.bert.embeddings.parameters():
                    p.requires_grad = False
                probe = nn.Linear(768, 2)
                probe.requires_grad_(False)
                optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
                for batch in loader:
                    model(**batch).loss.backward()
            """
        ).lstrip()
    )
    ptm("init --from-code")
    lines = Path("ptm.toml").read_text().splitlines()
    header = lines.index("[models.bert]")
    notes = lines[header + 1 : header + 4]
    assert notes == [
        "# from code: modification (classifier replaced by nn.Linear) at train.py:7 "
        "`model.classifier = nn.Linear(768, 5)`",
        "# from code: as-is (frozen: bert.embeddings) at train.py:8 "
        "`for p in model.bert.embeddings.parameters(): p.requires_grad = False`",
        "# from code: weights (fine-tuned in main) at train.py:12 "
        "`optimizer = torch.optim.AdamW(model.parameters(), lr=2e-05)`",
    ]
    assert lines[header + 4] == 'repo = "org/bert"'


def test_a_chain_too_deep_to_unparse_is_still_read() -> None:
    """A generated (or hostile) attribute chain deeper than ast.unparse can recurse: the change is
    found, its statement shown as "...", its detail cut short."""
    chain = ".".join(["a"] * 900)
    (head,) = adaptations_of(
        f"""
        from torch import nn
        from transformers import AutoModel
        model = AutoModel.from_pretrained("org/m")
        model.{chain} = nn.Linear(2, 2)
        """
    )
    assert (head.adaptation, head.evidence.line, head.evidence.text) == ("modification", 4, "...")
    assert head.detail.startswith("a.a.a.") and len(head.detail) <= 200
