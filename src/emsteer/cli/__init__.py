"""The emsteer command line: a thin layer over the library. One module per group of commands
(artifacts, sampling, build, evaluate, judges, results, study); this one makes the typer app,
registers every command in the order --help lists them, and runs it (main)."""

from __future__ import annotations

import functools
import inspect
import signal
import sys
from typing import Annotated

import typer
from rich.text import Text

from emsteer.cli import artifacts, build, evaluate, judges, results, sampling, study
from emsteer.cli.common import err, out
from emsteer.errors import EmsteerError

__all__ = ["app", "main", "out", "spread_values"]


app = typer.Typer(
    name="emsteer",
    help=(
        "Does activation steering induce emergent misalignment? Build steering vectors from narrow "
        "unsafe data, steer a model, ask it unrelated questions, judge the answers, compare with "
        "LoRA finetuning. Everything runs offline on the bundled Qwen2.5-Coder-0.5B-Instruct by default."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _flag_type(display_type_rich):
    """Typer (0.29) lists a flag's type as "<bool>" in --help, though a flag takes no value: show none."""
    def shown(self, ctx):
        return None if self.is_flag else display_type_rich(self, ctx)
    return shown


if hasattr(typer.core.TyperOption, "display_type_rich"):  # older Typer draws no type column
    typer.core.TyperOption.display_type_rich = _flag_type(typer.core.TyperOption.display_type_rich)  # type: ignore[method-assign]


def _version(value: bool) -> None:
    if value:
        from emsteer import __version__

        typer.echo(f"emsteer {__version__}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print emsteer's version and exit.")] = False,
) -> None:
    pass


# Every command, in the order `emsteer --help` lists them.
for _name, _callback in (
    ("prepare-model", artifacts.prepare_model),
    ("generate", sampling.generate),
    ("info", artifacts.info),
    ("export-vector", artifacts.export_vector_cmd),
    ("eval", evaluate.evaluate_cmd),
    ("judge", judges.judge_store),
    ("show", results.show),
    ("export", results.export),
    ("build", build.build),
    ("finetune", build.finetune),
    ("judge-check", judges.judge_check),
    ("fit-judge", judges.fit_judge),
    ("report", results.report),
    ("review", results.review),
    ("findings", results.findings),
    ("study", study.study),
    ("plan", study.plan),
    ("audit", evaluate.audit),
    ("run", evaluate.run),
):
    app.command(_name)(_callback)


def _reflow(doc: str) -> str:
    """Join a docstring's wrapped lines into paragraphs (Typer keeps single line breaks); lists stay as written."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(p if any(line.lstrip().startswith(("-", "*")) for line in p.splitlines()) else " ".join(p.split("\n"))
                       for p in paragraphs)


for _command in app.registered_commands:
    _command.help = _reflow(_command.help or inspect.getdoc(_command.callback) or "")


def _is_number(token: str) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


# Repeatable options that also take several values in a row: `--relative 2 4 8` means
# `--relative 2 --relative 4 --relative 8` (Click options take one value each).
_SPREAD = {opt: _is_number for opt in ("--relative", "-r", "--absolute", "-a", "--multiplier", "--layers")}
_SPREAD["--magnitude"] = lambda token: token.partition("=")[0].strip().lower() in ("m", "rho", "alpha")


def _spreading(token: str) -> str | None:
    """The spreading option a token gives: ``--relative``, ``--relative=0.1`` or ``-r0.1``."""
    if token in _SPREAD:
        return token
    name, eq, _ = token.partition("=")
    if eq and name.startswith("--") and name in _SPREAD:
        return name
    if len(token) > 2 and token[:2] in _SPREAD and not token.startswith("--") and _SPREAD[token[:2]](token[2:]):
        return token[:2]
    return None


def spread_values(argv: list[str]) -> list[str]:
    """Repeat an option before each further value that follows it (see _SPREAD), whether its first
    value came separately (``--relative 0.1 0.2``) or attached (``--relative=0.1 0.2``, ``-r0.1 0.2``)."""
    out: list[str] = []
    option = None  # the spreading option whose values are being read
    for i, token in enumerate(argv):
        if token == "--":
            return out + argv[i:]
        if option is not None and _SPREAD[option](token):
            if out[-1] != option:
                out.append(option)
        else:
            option = _spreading(token)
        out.append(token)
    return out


INTERRUPTED = "interrupted — finished work is saved; run the same command again to resume."


# commands that save what they finish as they go (stores, checkpoints, labels), so running them again resumes
RESUMABLE = frozenset({"eval", "judge", "build", "finetune", "fit-judge", "review", "study", "audit", "run"})


def _say_interrupted(argv: list[str]) -> None:
    command = next((a for a in argv if not a.startswith("-")), None)
    said = INTERRUPTED.removeprefix("interrupted") if command in RESUMABLE else "."
    err.print(Text.assemble(("interrupted", "yellow"), said))


def _terminate(signum, frame) -> None:
    # a second TERM kills at once: this exception is swallowed if it arrives inside a __del__
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise KeyboardInterrupt  # SIGTERM stops like Ctrl-C: what arrived is saved, the lock released


def print_error(message: str) -> None:
    """One error, as written: the message is text, never markup (a path may hold "[/]"), and is not wrapped."""
    err.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)


@functools.cache
def _click_command():
    """The Click command typer builds from ``app`` (what ``app()`` does, built once per process:
    rebuilding it takes a tenth of a second, which a test calling main() hundreds of times feels)."""
    return typer.main.get_command(app)


LOG_WIDTH = 160  # where stdout is not a terminal (a log file, CI): tables this wide, not Rich's 80 columns


def _quiet_logs() -> None:
    """Output to a file or pipe: no third-party progress bars, and tables wide enough that paths
    and condition names do not break across lines (COLUMNS still decides when set)."""
    import os

    from emsteer.progress import quiet_third_party_bars

    if not sys.stderr.isatty():
        quiet_third_party_bars()
    if not sys.stdout.isatty() and not os.environ.get("COLUMNS"):
        out.width = LOG_WIDTH


def main() -> None:
    width = out._width  # main() may run many times in one process (tests): the width is restored after
    _quiet_logs()
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (an embedding application): leave SIGTERM alone
        previous = None
    try:
        _click_command()(args=spread_values(sys.argv[1:]), prog_name="emsteer")
    except EmsteerError as e:
        print_error(str(e))
        sys.exit(2)
    except KeyboardInterrupt:
        _say_interrupted(sys.argv[1:])
        sys.exit(130)
    except SystemExit as done:
        # Typer turns Ctrl-C (or SIGTERM) anywhere in a command, option parsing included, into a
        # silent exit 130: say what the documented line says, whenever it happened.
        if done.code == 130:
            _say_interrupted(sys.argv[1:])
        raise
    finally:
        out._width = width
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
