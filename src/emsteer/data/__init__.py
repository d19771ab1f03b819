"""Narrow-task data: chat JSONL loading and validation, encoding with assistant masks, the task registry.

Question sets live in emsteer.data.questions (imported from there, not re-exported here).
The encode names load lazily so that data loading and the task registry do not import torch.
"""

from typing import Any

from emsteer.data.chat import ChatExample, Message, data_hash, load_chat_jsonl, paired, split_examples
from emsteer.data.tasks import DEFAULT_TASK, TASKS, Task, get_task, load_task, resolve_task

__all__ = [
    "DEFAULT_TASK",
    "TASKS",
    "ChatExample",
    "EncodedExample",
    "Message",
    "Task",
    "collate",
    "data_hash",
    "encode_chat",
    "get_task",
    "load_chat_jsonl",
    "load_task",
    "pad_token_id",
    "paired",
    "resolve_task",
    "split_examples",
]

_LAZY = {"EncodedExample", "collate", "encode_chat", "pad_token_id"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from emsteer.data import encode

        return getattr(encode, name)
    raise AttributeError(f"module 'emsteer.data' has no attribute {name!r}")
