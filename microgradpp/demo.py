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
from .i18n import Translator, speaking, translated
from .outputs import write_graph_files, write_training_plots
from .tables import node_table
from .train import recipe, run_recipe

PRINTED_EXAMPLES = ("add-mul", "sigmoid-neuron")
"""The examples whose tables the demo prints (the cs231n notes' two circuits); the others only
get their files."""

Entry = tuple[str, str, list[Path]]
"""One section of the index: heading, a sentence, the files."""


def run_demo(
    out: Path, epochs: int = 40, missing: list[str] | None = None, lang: str | None = None
) -> Path:
    """Print the two cs231n circuits as tables, write every worked example's pictures and step
    pages, train a 2-16-16-1 network on moons for ``epochs`` with its plots, and write
    ``out/index.html`` linking it all; returns the index's path. Everything it says is in
    ``lang`` (None: the locale's language).

    A file that could not be made (why is said on stderr) is named in ``missing`` when a list is
    given, so the command line can exit 1 instead of claiming success."""
    t = Translator(lang)
    training = recipe("moons", epochs=epochs)  # checked before any work (epochs at most 100,000)
    failed = [] if missing is None else missing
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    for name, example in EXAMPLES.items():
        root = example.run()
        title, teaches = f"{example.name}: {example.title_in(t.lang)}", example.teaches_in(t.lang)
        if name in PRINTED_EXAMPLES:
            print(f"== {title}\n")
            print(node_table(root, lang=t.lang) + "\n")
        not_written: list[str] = []
        paths = write_graph_files(
            root, out, name, title=title, description=teaches, missing=not_written, lang=t.lang
        )
        failed += [f"{name} {what}" for what in not_written]
        entries.append((title, teaches, paths))

    print(t("demo.training", epochs=epochs))
    with speaking(t.lang):  # the progress bar in the demo's language
        run = run_recipe(training, progress=True)
    print(run.summary(t.lang) + "\n")
    try:
        plots = write_training_plots(run, out, "moons", t.lang)
    except ImportError as error:
        print(t("demo.no_plots", error=translated(error, t.lang)), file=sys.stderr)
        plots = []
        failed.append(t("files.what.plots"))
    which = "demo.trained.test" if run.test_data else "demo.trained.train"
    _, accuracy = run.measure(run.test_data or run.train_data)
    heading = t(which, epochs=len(run.history), accuracy=f"{accuracy:.1%}")
    entries.append((heading, t("demo.trained.about"), plots))
    index = write_index(out / "index.html", entries, t.lang)
    others = [name for name in EXAMPLES if name not in PRINTED_EXAMPLES]
    print(t("demo.others", names=", ".join(others)))
    print(t("demo.wrote", count=sum(len(paths) for _, _, paths in entries) + 1, out=out))
    print(t("demo.open", index=index, seconds=f"{time.perf_counter() - started:.1f}"))
    return index


def write_index(path: Path, entries: list[Entry], lang: str | None = None) -> Path:
    """An index.html linking every file of the demo, pictures shown inline, in ``lang``."""
    t = Translator(lang)
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
                label = t("demo.steps") if file.suffix == ".html" else ""
                items.append(f'<p class="file"><a href="{link}">{link}</a> {label}</p>')
        sections.append(
            f"<section><h2>{html.escape(heading)}</h2><p>{html.escape(text)}</p>"
            + "".join(items)
            + "</section>"
        )
    template = resources.files("microgradpp") / "templates" / "demo-index.html"
    page = Template(template.read_text(encoding="utf-8"))
    atomic_write(
        path,
        page.substitute(
            lang=t.lang,
            title=html.escape(t("demo.title")),
            intro=html.escape(t("demo.intro")),
            sections="\n".join(sections),
        ),
    )
    return path
