"""Exceptions that map to the command line's exit codes."""


class InputError(Exception):
    """Bad input from the user or the data: exit code 2, nothing is built.

    ``problems`` holds one line per problem so that every problem is reported at once.
    """

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])

    def report(self) -> str:
        lines = [f"error: {self}"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class BuildError(Exception):
    """A notebook or the Sphinx build failed: exit code 1; the previous book is kept."""

    exit_code = 1
