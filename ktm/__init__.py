"""Klanttevredenheidsmeting e-loket: the application shell (CLI, configuration, services)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ktm")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
