"""herverdeling: swap and merge asylum-reception tasks under the Spreidingswet, checked rule by rule."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("herverdeling")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
