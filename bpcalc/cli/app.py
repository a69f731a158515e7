"""The typer app, made from the option table: help, shell completion and usage errors.

Each command of `options.COMMANDS` becomes a typer command whose parameters are the table's
arguments and options (values taken as text and checked by the table's `convert`, so both command
lines say the same thing about a bad value); running it builds the same `Invocation` the fast
start does and hands it to the same job.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperArgument

from .. import __version__
from .execute import execute
from .exits import Exit, guarded
from .options import BY_NAME, COMMANDS, HELP_ORDER, Command, Invocation, fill_file, leavable


class _PlainArgument(TyperArgument):
    """Written FILE in the usage line and the help, as a person reads it (not {FILE}, FILE <str>)."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    def display_type(self, ctx: Any) -> str:
        return ""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _version(value: bool) -> None:
    if value:
        print(f"bpcalc {__version__}")
        raise typer.Exit(Exit.OK)


def build_app(debug: bool = False) -> typer.Typer:
    app = typer.Typer(
        name="bpcalc",
        help="A backprop calculator that shows its work: every value and derivative, step by step.\n\n"
        "\b\nStart:\n  bpcalc init       a starter net.yaml, every key explained\n"
        "  bpcalc step       the worked solution of the problem file in this folder\n"
        "  bpcalc examples   the shipped examples, to run as example:NAME\n\n"
        "\b\nExample:\n  bpcalc step example:slides_1_1_1 --round 2\n\n"
        "Each command's --help shows its options and an example.",
        add_completion=True,
        no_args_is_help=True,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _main(
        version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                              help="print the version and exit")] = False,
        debug: Annotated[bool, typer.Option("--debug", help="show the traceback of an internal error")] = False,
    ) -> None:
        """A backprop calculator that shows its work."""

    ordered = [BY_NAME[n] for n in HELP_ORDER if n in BY_NAME] + [c for c in COMMANDS if c.name not in HELP_ORDER]
    for command in ordered:
        purpose, _, more = command.help.partition(". ")
        purpose = purpose.rstrip(".") + "."
        text = f"{purpose}\n\n{more}\n\n" if more else f"{purpose}\n\n"
        # \b: click keeps the example's line as it is, never wrapped in the middle of a command
        app.command(command.name, help=f"{text}\b\nExample:\n  {command.example}", short_help=purpose)(
            _function(command, debug))
    return app


def _function(command: Command, debug: bool) -> Any:
    """A function typer can read: one parameter per argument and option of the table."""
    parameters = []
    for argument in command.arguments:
        # left out: None (a list argument: []), when it may be (options.leavable)
        optional = leavable(command, argument)
        kind: Any = list[str] if argument.many else str
        info = typer.Argument(help=argument.help, metavar=argument.metavar, show_default=False)
        parameters.append(inspect.Parameter(argument.key, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                            annotation=Annotated[Optional[kind] if optional else kind,  # noqa: UP045
                                                                 info],
                                            default=None if optional else inspect.Parameter.empty))
    for option in command.options:
        if option.metavar is None:
            info = typer.Option(*option.flags, help=option.help)
            annotation: Any = Annotated[bool, info]
            default: Any = bool(option.default)
        else:
            shown = f"  [default: {option.shown_default}]" if option.shown_default else ""
            info = typer.Option(*option.flags, help=option.help + shown, metavar=option.metavar,
                                show_default=False)
            annotation = Annotated[Optional[str], info]  # noqa: UP045 - typer reads Optional
            default = None
        parameters.append(inspect.Parameter(option.key, inspect.Parameter.KEYWORD_ONLY,
                                            annotation=annotation, default=default))

    def run(**given: Any) -> None:
        def job() -> int | None:
            values: dict[str, object] = {}
            for option in command.options:
                value = given[option.key]
                if option.metavar is None:
                    values[option.key] = bool(value)
                elif value is None:
                    values[option.key] = option.default
                else:
                    values[option.key] = option.convert(option.flags[0], value)
            for argument in command.arguments:
                values[argument.key] = given[argument.key] if given[argument.key] is not None or not argument.many \
                    else []
            fill_file(command, values)
            from .environment import current

            return execute(Invocation(command, values, debug, current()))

        code = guarded(job, debug)
        if code != Exit.OK:
            raise typer.Exit(code)

    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    run.__name__ = command.name
    run.__doc__ = command.help
    return run


def run_app(args: list[str], debug: bool) -> int:
    """Parse with typer (help, usage errors) and run; returns the exit code."""
    click_command = typer.main.get_command(build_app(debug))
    for sub in getattr(click_command, "commands", {}).values():
        for param in sub.params:
            if isinstance(param, TyperArgument):
                param.__class__ = _PlainArgument
    try:
        rv = click_command.main(args, prog_name="bpcalc", standalone_mode=False)
        return int(rv) if isinstance(rv, int) else Exit.OK
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:  # click's word for a Ctrl-C while it parses: reported by exits.guarded
        raise KeyboardInterrupt from None
    except Exception as exc:
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):  # a click usage error: bad option, missing argument
            show()
            return exit_code
        raise
