"""Tiny random-weight models of the architectures `tests/export/test_export_inferred_inputs.py` does not
build (hidden size 16, one layer, saved with ``save_pretrained`` at run time): a BERT sequence classifier,
RoBERTa, BART and ResNet. `bench/export.py` exports them beside the others; the test module of the same
name exports and verifies them through the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.export.test_export_inferred_inputs import ENCODER_DECODER, LAYERS


def bert_classifier(folder: Path) -> None:
    from transformers import BertConfig, BertForSequenceClassification

    BertForSequenceClassification(
        BertConfig(vocab_size=60, hidden_size=16, num_labels=3, **LAYERS)
    ).save_pretrained(folder)


def roberta(folder: Path) -> None:
    from transformers import RobertaConfig, RobertaModel

    # RoBERTa numbers positions from pad_token_id + 1: room for the probe's longest sequence after it.
    config = RobertaConfig(vocab_size=60, hidden_size=16, max_position_embeddings=64, **LAYERS)
    RobertaModel(config).save_pretrained(folder)


def bart(folder: Path) -> None:
    from transformers import BartConfig, BartForConditionalGeneration

    config = BartConfig(
        vocab_size=64,
        **ENCODER_DECODER,
        max_position_embeddings=64,
    )
    BartForConditionalGeneration(config).save_pretrained(folder)


def resnet(folder: Path) -> None:
    from transformers import ResNetConfig, ResNetForImageClassification

    config = ResNetConfig(embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1], num_labels=3)
    ResNetForImageClassification(config).save_pretrained(folder)
