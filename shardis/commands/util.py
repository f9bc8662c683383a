"""Argument parsing helpers shared by the command families.

A helper that can fail returns the parsed value or an encoded error reply
(``bytes`` starting with ``-``); the caller tests ``x.__class__ is bytes`` and
returns it at once. Error texts are Redis's (see errors.py).
"""
from shardis.commands import errors as E
from shardis.util.numbers import LLONG_MIN, LLONG_MAX, parse_int, parse_float  # noqa: F401


def int_or_error(b, err=None):
    """Parsed integer or the 'not an integer or out of range' error reply."""
    v = parse_int(b)
    if v is None:
        return err or E.NOT_INT
    return v


def float_or_error(b, err=None):
    v = parse_float(b)
    if v is None:
        return err or E.NOT_FLOAT
    return v
