"""The vocabulary of multi-model systems: roles, interaction kinds, handoff modes, pipeline stages."""

from __future__ import annotations

ROLES = ("complementary", "interchangeable")

FEATURE_HANDOFF = "feature-handoff"
FEEDBACK_GUIDANCE = "feedback-guidance"
EVALUATION = "evaluation"
POST_PROCESSING = "post-processing"
EDGE_KINDS = (FEATURE_HANDOFF, FEEDBACK_GUIDANCE, EVALUATION, POST_PROCESSING)

HANDOFF_MODES = ("hierarchical", "sequential", "parallel")

STAGES = (
    "initialization",
    "adaptation",
    "preprocessing",
    "prompting",
    "feature-extraction",
    "fine-tuning",
    "inference",
    "post-processing",
    "evaluation",
    "delivery",
)

# Stages in which a model is being trained rather than run: guidance there is a training loss.
TRAINING_STAGES = ("initialization", "adaptation", "fine-tuning")

# How a derived model (`base = ...`) was made from its base.
ADAPTER = "adapter"
ADAPTATIONS = ("as-is", "weights", "addition", "deletion", "modification", "configuration", ADAPTER)

# `ptm install --profile`: runtime leaves out models used only for evaluation or to guide training.
RUNTIME_PROFILE = "runtime"
INSTALL_PROFILES = ("all", RUNTIME_PROFILE)
