"""The pure core: requests, events, the tracker and its rules, the parsers. No Home Assistant, no I/O.

Everything here runs on plain Python objects, so it is tested in milliseconds (tests/core) and read without knowing
Home Assistant. tests/core/test_layers.py fails if a module here imports Home Assistant, aiohttp or any module of the
integration outside core/. See docs/architecture.md for the layers and the data path.
"""
