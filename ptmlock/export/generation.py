"""Generation-ready graphs (``task = "text-generation-with-past"`` / ``"text2text-generation-with-past"``):
a transformers model wrapped so that its KV cache is plain tensors in and out, as optimum exports it, and
PyTorch's own greedy decode (``generate(do_sample=False)``) to compare the graphs' with.

Decoder-only: one graph, ``input_ids`` and ``past_key_values.N.key/value`` in, ``logits`` and
``present.N.key/value`` out; a first step passes an empty past (length 0). Encoder-decoder: an encoder
graph, and a decoder-with-past graph taking the encoder's hidden states (it computes the cross-attention
keys and values from them at each step, so one graph serves the first step too).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..errors import PtmError
from ..export_settings import DECODER_TASK, SEQ2SEQ_TASK, InputSpec
from .decode import DECODER_IDS, ENCODER_MASK, ENCODER_STATES, past_names, present_names
from .inferred_inputs import infer_inputs
from .outcome import summarise


def _cache_keyword(model: torch.nn.Module) -> str:
    """transformers 5 calls the forward's KV cache ``cache``; earlier versions ``past_key_values``."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def _returned_cache(output: Mapping[str, Any]) -> Any:
    return output.get("cache", output.get("past_key_values"))


def _self_attention(cache: Any) -> Any:
    return getattr(cache, "self_attention_cache", cache)


def _layer_tensors(cache: Any) -> list[torch.Tensor]:
    return [t for layer in _self_attention(cache).layers for t in (layer.keys, layer.values)]


def _cache(past: Sequence[torch.Tensor], seq2seq: bool) -> Any:
    from transformers import DynamicCache, EncoderDecoderCache

    layers = DynamicCache([(past[i], past[i + 1]) for i in range(0, len(past), 2)])
    # The cross-attention cache starts empty: the decoder fills it from the encoder's hidden states.
    return EncoderDecoderCache(layers, DynamicCache()) if seq2seq else layers


class DecoderWithPast(torch.nn.Module):
    """The model's decoder step: token ids (and the encoder's hidden states) and the past keys and values
    in, logits and the present keys and values (past and this step's) out."""

    def __init__(self, model: torch.nn.Module, seq2seq: bool) -> None:
        super().__init__()
        self.model, self.seq2seq = model, seq2seq
        self.keyword = _cache_keyword(model)

    def forward(self, *args: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.seq2seq:
            ids, states, mask, *past = args
            output = self.model(
                decoder_input_ids=ids,
                encoder_outputs=(states,),
                attention_mask=mask,
                use_cache=True,
                **{self.keyword: _cache(past, seq2seq=True)},
            )
        else:
            ids, *past = args
            output = self.model(input_ids=ids, use_cache=True, **{self.keyword: _cache(past, seq2seq=False)})
        present = _layer_tensors(_returned_cache(output))
        return {
            "logits": output["logits"],
            **dict(zip(present_names(len(present) // 2), present, strict=True)),
        }


class Encoder(torch.nn.Module):
    """An encoder-decoder model's encoder: its inputs in, ``last_hidden_state`` out."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = model.get_encoder()

    def forward(self, *args: torch.Tensor) -> dict[str, torch.Tensor]:
        names = list(inspect.signature(self.encoder.forward).parameters)
        return {"last_hidden_state": self.encoder(**dict(zip(names, args, strict=False)))[0]}


@dataclass(frozen=True)
class Layout:
    """The KV cache of one step: layers, and each key's heads and head size."""

    layers: int
    heads: int
    head_dim: int
    hidden: int  # the encoder's hidden size (encoder-decoder models)
    vocab: int  # the logits' size


def _unsupported(name: str, task: str, why: str) -> PtmError:
    return PtmError(f"task = \"{task}\" cannot export '{name}': {why}; export it without task (no KV cache)")


def cache_layout(name: str, model: torch.nn.Module, task: str) -> Layout:
    """The cache layout the model really returns on a two-token step, or why it is not supported: the
    graphs take a plain key and value tensor per layer (transformers' DynamicCache of DynamicLayers)."""
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    seq2seq = task == SEQ2SEQ_TASK
    if seq2seq != bool(getattr(getattr(model, "config", None), "is_encoder_decoder", False)):
        other = DECODER_TASK if seq2seq else SEQ2SEQ_TASK
        kind = "a decoder-only" if seq2seq else "an encoder-decoder"
        raise PtmError(f"'{name}' is {kind} model; declare task = \"{other}\"")
    ids = torch.zeros((1, 2), dtype=torch.int64)
    keyword = _cache_keyword(model)
    try:
        with torch.no_grad():
            if seq2seq:
                states = model.get_encoder()(input_ids=ids)[0]
                output = model(decoder_input_ids=ids, encoder_outputs=(states,), use_cache=True)
            else:
                states = torch.zeros((1, 1, 1))
                output = model(input_ids=ids, use_cache=True)
    except Exception as error:  # the model is user code: any failure is one line
        raise _unsupported(name, task, f"a step with use_cache=True failed ({summarise(error)})") from error
    cache = _self_attention(_returned_cache(output))
    if not isinstance(cache, DynamicCache) or not all(type(layer) is DynamicLayer for layer in cache.layers):
        kinds = sorted({type(layer).__name__ for layer in getattr(cache, "layers", [])})
        found = type(cache).__name__ + (f" of {', '.join(kinds)}" if kinds else "")
        raise _unsupported(
            name, task, f"its {keyword} is a {found}, not plain key/value tensors per layer (DynamicCache)"
        )
    key = cache.layers[0].keys
    vocab = output["logits"].shape[-1]
    return Layout(len(cache.layers), key.shape[1], key.shape[3], states.shape[-1], vocab)


def _past(layout: Layout) -> tuple[InputSpec, ...]:
    shape = ("batch", layout.heads, "past_sequence", layout.head_dim)
    return tuple(InputSpec(n, "float32", shape) for n in past_names(layout.layers))


def decoder_inputs(layout: Layout, seq2seq: bool) -> tuple[InputSpec, ...]:
    """The decoder graph's inputs (token ids within the logits' range, the past of each layer)."""
    vocab = layout.vocab
    if not seq2seq:
        return (InputSpec("input_ids", "int64", ("batch", "sequence"), range=(0, vocab)), *_past(layout))
    return (
        InputSpec(DECODER_IDS, "int64", ("batch", "target"), range=(0, vocab)),
        InputSpec(ENCODER_STATES, "float32", ("batch", "sequence", layout.hidden)),
        InputSpec(ENCODER_MASK, "int64", ("batch", "sequence"), fill=1),
        *_past(layout),
    )


def encoder_inputs(name: str, model: torch.nn.Module, config: Mapping[str, Any]) -> tuple[InputSpec, ...]:
    """The encoder's inputs, from the config; a mask is all ones (the decoder takes the same one)."""
    parameters = list(inspect.signature(model.get_encoder().forward).parameters)
    inputs = infer_inputs(name, config, parameters, ())
    if not any(spec.name == "input_ids" for spec in inputs):
        found = ", ".join(spec.name for spec in inputs)
        raise _unsupported(name, SEQ2SEQ_TASK, f"its encoder takes {found}, and only token ids are decoded")
    return tuple(
        InputSpec(spec.name, spec.dtype, spec.shape, fill=1) if spec.mask else spec
        for spec in inputs
        if spec.name in ("input_ids", "attention_mask")
    )


def _model(module: torch.nn.Module) -> torch.nn.Module:
    """The model of ``module``, the wrapped DecoderWithPast that was exported."""
    wrapped = getattr(module, "module", None)
    if not isinstance(wrapped, DecoderWithPast):
        raise PtmError(f"greedy decode needs the model exported as a decoder with past, not {type(wrapped)}")
    return wrapped.model


def decoder_start(module: torch.nn.Module) -> int:
    """The token an encoder-decoder model's decoding starts from (0 for a decoder-only one)."""
    config = getattr(_model(module), "config", None)
    if not getattr(config, "is_encoder_decoder", False):
        return 0
    start = getattr(config, "decoder_start_token_id", None)
    if start is None:
        start = getattr(config, "pad_token_id", None)
    if not isinstance(start, int):
        raise PtmError("the model's config has no decoder_start_token_id to start decoding from")
    return start


def pytorch_greedy(
    module: torch.nn.Module, prompt: Mapping[str, np.ndarray], steps: int, start: int
) -> list[int]:
    """PyTorch's greedy decode of ``steps`` tokens from ``prompt`` (one row) by the model of ``module``
    (the wrapped DecoderWithPast exported): ``generate(do_sample=False)`` with no end-of-sequence stop and
    none of the generation config's logits processors, so that it is the argmax loop the graphs run."""
    from transformers import GenerationConfig

    model = _model(module)
    config = getattr(model, "config", None)
    generation = GenerationConfig(
        do_sample=False,
        num_beams=1,
        max_new_tokens=steps,
        min_new_tokens=steps,
        eos_token_id=None,
        pad_token_id=0,
        decoder_start_token_id=start,
    )
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in prompt.items()}
    if "attention_mask" not in tensors:
        tensors["attention_mask"] = torch.ones_like(tensors["input_ids"])
    with torch.no_grad():
        output = model.generate(**tensors, generation_config=generation)
    skip = 1 if getattr(config, "is_encoder_decoder", False) else tensors["input_ids"].shape[1]
    return [int(t) for t in output[0, skip:]]
