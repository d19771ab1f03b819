"""The one exception type for bad input. The CLI prints it without a traceback."""


class EmsteerError(Exception):
    """A problem the user can fix: bad input, a missing file, an unsupported model.

    Messages name the file, line or field and say what was expected.
    """
