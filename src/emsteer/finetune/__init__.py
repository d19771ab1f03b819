"""Finetuning counterparts of steering: LoRA on the same narrow-task assistant tokens."""

from emsteer.finetune.lora import (
    ADAPTER_WEIGHTS,
    TARGETS,
    LoraResult,
    adapted,
    adapter_compute_dtype,
    attached_adapter,
    check_output_dir,
    load_adapter,
    train_lora,
)

__all__ = ["ADAPTER_WEIGHTS", "TARGETS", "LoraResult", "adapted", "adapter_compute_dtype", "attached_adapter", "check_output_dir", "load_adapter", "train_lora"]
