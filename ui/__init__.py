"""Streamlit glue: cached warehouse, session state, components. The only Streamlit code
outside ``pages/``.

Deep links (``/ch10``) on a fresh server: Streamlit sees a ``pages/`` folder and, until some run
has called ``st.navigation``, executes a linked page file on its own (the legacy multipage mode),
skipping ``app.py`` (navigation, theme, sidebar). Every page imports ``ui``, so on such a run we
switch the legacy mode off and reload the browser tab: the new session goes through ``app.py``
and its ``st.navigation``, which resolves the same URL to the right page.
"""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components
from streamlit.runtime.pages_manager import PagesManager

if PagesManager.uses_pages_directory:  # pragma: no cover - only on a server's first deep link
    PagesManager.uses_pages_directory = False
    components.html("<script>window.parent.location.reload();</script>", height=0)
    st.stop()
