"""schemactl: declarative schema-as-code and safe migrations for Weaviate collections."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("schemactl")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
