"""``microgradpp demo``: the worked examples, their pictures, a short training run, an index.html.

The page around the links is ``templates/demo-index.html``, filled with ``string.Template``; every
text put into it is escaped here, once.
"""

from __future__ import annotations

import html
import os
import sys
import time
from importlib import resources
from pathlib import Path
from string import Template

from .examples import EXAMPLES
from .files import atomic_write
from .outputs import write_graph_files, write_training_plots
from .tables import node_table
from .train import recipe, run_recipe

PRINTED_EXAMPLES = ("add-mul", "sigmoid-neuron")
"""The examples whose tables the demo prints (the cs231n notes' two circuits); the others only
get their files."""

Entry = tuple[str, str, list[Path]]
"""One section of the index: heading, a sentence, the files."""


def run_demo(out: Path, epochs: int = 40, missing: list[str] | None = None) -> Path:
    """Print the two cs231n circuits as tables, write every worked example's pictures and step
    pages, train a 2-16-16-1 network on moons for ``epochs`` with its plots, and write
    ``out/index.html`` linking it all; returns the index's path.

    A file that could not be made (why is said on stderr) is named in ``missing`` when a list is
    given, so the command line can exit 1 instead of claiming success."""
    failed = [] if missing is None else missing
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    for name, example in EXAMPLES.items():
        root = example.run()
        if name in PRINTED_EXAMPLES:
            print(f"== {example.name}: {example.title}\n")
            print(node_table(root) + "\n")
        not_written: list[str] = []
        paths = write_graph_files(
            root,
            out,
            name,
            title=f"{example.name}: {example.title}",
            description=example.teaches,
            missing=not_written,
        )
        failed += [f"{name} {what}" for what in not_written]
        entries.append((f"{example.name}: {example.title}", example.teaches, paths))

    print(f"== training a 2-16-16-1 network on the moons dataset ({epochs} epochs, adam)")
    run = run_recipe(recipe("moons", epochs=epochs), progress=True)
    print(run.summary() + "\n")
    try:
        plots = write_training_plots(run, out, "moons")
    except ImportError as error:
        print(f"No training plots: {error}", file=sys.stderr)
        plots = []
        failed.append("training plots")
    data, which = (run.test_data, "test") if run.test_data else (run.train_data, "training")
    _, accuracy = run.measure(data)
    entries.append(
        (
            f"Training: moons, {len(run.history)} epochs of Adam, {which} accuracy {accuracy:.1%}",
            "The loss and accuracy per epoch, the decision boundary the network learned, and "
            "the size of the gradients reaching each layer.",
            plots,
        )
    )
    index = write_index(out / "index.html", entries)
    others = [name for name in EXAMPLES if name not in PRINTED_EXAMPLES]
    print(f"(the pictures of the other examples are there too: {', '.join(others)})")
    print(f"wrote {sum(len(paths) for _, _, paths in entries) + 1} files into {out}/")
    print(f"open {index} in a browser  ({time.perf_counter() - started:.1f} s)")
    return index


def write_index(path: Path, entries: list[Entry]) -> Path:
    """An index.html linking every file of the demo, pictures shown inline."""
    sections = []
    for heading, text, paths in entries:
        items = []
        for file in paths:
            link = html.escape(os.path.relpath(file, path.parent))
            if file.suffix in (".svg", ".png"):
                items.append(
                    f'<figure><a href="{link}"><img src="{link}" alt="{link}"></a>'
                    f"<figcaption>{link}</figcaption></figure>"
                )
            else:
                label = "step by step, forward then backward" if file.suffix == ".html" else ""
                items.append(f'<p class="file"><a href="{link}">{link}</a> {label}</p>')
        sections.append(
            f"<section><h2>{html.escape(heading)}</h2><p>{html.escape(text)}</p>"
            + "".join(items)
            + "</section>"
        )
    template = resources.files("microgradpp") / "templates" / "demo-index.html"
    page = Template(template.read_text(encoding="utf-8"))
    atomic_write(path, page.substitute(sections="\n".join(sections)))
    return path
