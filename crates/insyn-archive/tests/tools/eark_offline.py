"""Run eark-validator 1.1.3 offline: serve the CSIP vocabularies it fetches at import time
from the copies bundled inside the package (see shared reference peers.md H.4)."""
import sys
import urllib.request
from importlib.resources import files

_orig = urllib.request.urlopen


def _urlopen(url, *a, **kw):
    u = getattr(url, "full_url", url)
    if isinstance(u, str) and u.startswith("https://earkcsip.dilcis.eu/schema/"):
        name = u.rsplit("/", 1)[1]
        return files("eark_validator.ipxml.resources.vocabs").joinpath(name).open("rb")
    return _orig(url, *a, **kw)


urllib.request.urlopen = _urlopen

from eark_validator.cli.app import main  # noqa: E402  (import only after patching)

sys.exit(main())
