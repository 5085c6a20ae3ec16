"""The playground: microgradpp in a web page, with no install and no network.

``microgradpp web --out DIR`` (or ``make web``) builds it (``build``): Python compiled to
WebAssembly (Pyodide) runs microgradpp's own code, Graphviz compiled to WebAssembly draws its
pictures, in one HTML file that works opened from a USB stick. An editor holds the course's
examples; Run shows what the code printed, its forward and backward pictures, and its step page
and exercise page (``runner``). The packages it bundles are pinned with their hashes
(``packages``) and downloaded once into a cache outside git.
"""

from __future__ import annotations

from .build import SINGLE_FILE, build_playground

__all__ = ["SINGLE_FILE", "build_playground"]
