"""The running version, as installed."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("omnistore")
except PackageNotFoundError:  # running from a source tree that is not installed
    VERSION = "0.0.0+source"
