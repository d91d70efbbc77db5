"""MkDocs hooks (``mkdocs.yml``): a link from a page to a file of the repository outside docs/.

A page may link to a file of the repository that is not a page of the site, as
``[examples/fastapi_app](../examples/fastapi_app/README.md)``: on GitHub or in an editor
it works, on the site it would lead nowhere, and MkDocs reports it as a broken link. Such
a link keeps its text and loses its target on the site, once the file is known to exist;
a link to a file that does not exist stays as written, so the strict build still fails
on it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

LINK = re.compile(r"(?<!!)\[(?P<text>[^\]\n]+)\]\((?P<target>\.\./[^)\s#]+)(?:#[^)\s]*)?\)")


def on_page_markdown(markdown: str, *, page: Any, config: Any, **kwargs: Any) -> str:
    docs = Path(config["docs_dir"]).resolve()
    root = docs.parent
    page_dir = posixpath.dirname(page.file.src_uri)

    def replace(match: re.Match[str]) -> str:
        target = (docs / page_dir / match["target"]).resolve()
        if target.is_relative_to(docs) or not target.is_relative_to(root) or not target.exists():
            return match[0]
        return match["text"]

    return LINK.sub(replace, markdown)
