"""Narrow-task data: chat JSONL loading and validation, encoding with assistant masks, the task
registry, and question sets (questions.py; ``load_questions`` is named here, the rest is imported
from there).

The encode names and ``load_questions`` load lazily, so that data loading and the task registry
import neither torch nor yaml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emsteer.data.chat import ChatExample, Message, data_hash, load_chat_jsonl, paired, split_examples
from emsteer.data.tasks import DEFAULT_TASK, TASKS, Task, get_task, load_task, narrow_examples, resolve_task
from emsteer.lazy import lazy_attributes

if TYPE_CHECKING:
    from emsteer.data.encode import EncodedExample, collate, encode_chat, pad_token_id
    from emsteer.data.questions import load_questions

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
    "load_questions",
    "load_task",
    "narrow_examples",
    "pad_token_id",
    "paired",
    "resolve_task",
    "split_examples",
]

_LAZY = {
    **{name: "emsteer.data.encode" for name in ("EncodedExample", "collate", "encode_chat", "pad_token_id")},
    "load_questions": "emsteer.data.questions",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
