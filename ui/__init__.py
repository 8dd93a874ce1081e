"""Streamlit glue: cached warehouse, session state, components. The only Streamlit code
outside ``pages/``."""
