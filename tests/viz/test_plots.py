"""Training plots (microgradpp.viz.plots): each returns a figure and writes a real image."""

from __future__ import annotations

import pytest

matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is not installed")
matplotlib.use("Agg")
from matplotlib import image as mpimg  # noqa: E402

from microgradpp.nn import MLP  # noqa: E402
from microgradpp.train import History  # noqa: E402
from microgradpp.viz import plot_decision_boundary, plot_gradient_flow, plot_history  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_real_png(path, min_width=300, min_height=200):
    """The file is a PNG that matplotlib reads back as an image of a sensible size, not blank."""
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    pixels = mpimg.imread(path)
    height, width = pixels.shape[:2]
    assert width >= min_width and height >= min_height
    assert pixels.min() < pixels.max()  # something is drawn


def classification_history() -> History:
    return History(
        epochs=[1, 2, 3, 4],
        loss=[0.9, 0.5, 0.3, 0.2],
        accuracy=[0.5, 0.7, 0.85, 0.9],
        lr=[0.1, 0.1, 0.05, 0.01],
        grad_norm=[{"layer1": 1.0, "layer2": 2.0}] * 4,
        grad_mean_abs=[
            {"layer1": 1e-4, "layer2": 0.02},
            {"layer1": 2e-4, "layer2": 0.03},
            {"layer1": 0.0, "layer2": 0.01},
            {"layer1": 5e-5, "layer2": 0.008},
        ],
        dead_relu_fraction=[{"layer1": 0.0}] * 4,
        val_loss=[1.0, 0.6, 0.4, 0.35],
        val_accuracy=[0.4, 0.6, 0.8, 0.85],
    )


def test_plot_history_writes_a_png(tmp_path):
    figure = plot_history(classification_history(), path=tmp_path / "history.png", title="moons")
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy", "learning rate"]
    loss_axes = figure.axes[0]
    assert [line.get_label() for line in loss_axes.get_lines()] == ["train", "validation"]
    assert list(loss_axes.get_lines()[0].get_ydata()) == [0.9, 0.5, 0.3, 0.2]
    assert figure.axes[2].get_yscale() == "log"  # lr fell tenfold
    assert_real_png(tmp_path / "history.png", min_width=1000)


def test_plot_history_for_regression_skips_accuracy(tmp_path):
    history = History(epochs=[1, 2], loss=[2.0, 1.0], accuracy=[None, None], lr=[0.1, 0.1])
    figure = plot_history(history.to_dict(), path=tmp_path / "regression.png")
    assert [ax.get_title() for ax in figure.axes] == ["loss", "learning rate"]
    assert figure.axes[1].get_yscale() == "linear"
    assert figure.axes[1].get_ylim() == pytest.approx((0.0, 0.15))  # a constant rate lies flat
    assert_real_png(tmp_path / "regression.png")


def test_plot_history_of_nothing_is_an_error():
    with pytest.raises(ValueError, match=r"the history is empty: train first"):
        plot_history(History())


def test_plot_decision_boundary(tmp_path):
    X = [[-1.0, -1.0], [-0.8, -1.2], [1.0, 1.0], [1.2, 0.7], [-1.0, 1.0], [1.0, -1.0]]
    y = [0, 0, 1, 1, 0, 1]
    model = MLP(2, [4, 1], seed=0)
    figure = plot_decision_boundary(model, X, y, resolution=15, path=tmp_path / "boundary.png")
    ax = figure.axes[0]
    assert ax.get_xlim() == pytest.approx((-1.5, 1.7))
    assert ax.get_ylim() == pytest.approx((-1.7, 1.5))
    assert_real_png(tmp_path / "boundary.png")
    assert (tmp_path / "boundary.png").stat().st_size > 5000


def test_plot_decision_boundary_bad_input():
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="X has 2 points but y has 1 labels"):
        plot_decision_boundary(model, [[0.0, 0.0], [1.0, 1.0]], [0])
    with pytest.raises(ValueError, match="needs 2-D points"):
        plot_decision_boundary(model, [[0.0, 0.0, 1.0]], [0])
    with pytest.raises(ValueError, match="resolution must be at least 2, got 1"):
        plot_decision_boundary(model, [[0.0, 0.0]], [0], resolution=1)


def test_plot_gradient_flow_of_a_model(tmp_path):
    model = MLP(2, [8, 8, 1], seed=0)
    out = model([0.5, -1.0])
    (out * out).backward()
    figure = plot_gradient_flow(model, path=tmp_path / "flow.png")
    ax = figure.axes[0]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["layer1", "layer2", "layer3"]
    assert ax.get_yscale() == "log"
    assert_real_png(tmp_path / "flow.png")


def test_plot_gradient_flow_over_epochs(tmp_path):
    figure = plot_gradient_flow(classification_history(), path=tmp_path / "flow_epochs.svg")
    ax = figure.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["layer1", "layer2"]
    layer1 = list(ax.get_lines()[0].get_ydata())
    assert layer1[:2] == [1e-4, 2e-4] and layer1[2] != layer1[2] and layer1[3] == 5e-5  # 0 -> nan
    assert (tmp_path / "flow_epochs.svg").read_text().lstrip().startswith("<?xml")


def test_plot_gradient_flow_needs_gradients():
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match=r"every gradient is 0: run loss.backward\(\)"):
        plot_gradient_flow(model)
    with pytest.raises(ValueError, match="this history has no gradient statistics"):
        plot_gradient_flow(History(epochs=[1], loss=[1.0]))


def test_a_plot_shows_inline_in_jupyter_without_pyplot(tmp_path):
    """Jupyter calls _repr_png_ on the last expression of a cell: no %matplotlib needed."""
    figure = plot_history(classification_history())
    png = figure._repr_png_()
    assert png.startswith(PNG_SIGNATURE)
    (tmp_path / "inline.png").write_bytes(png)
    assert_real_png(tmp_path / "inline.png", min_width=1000)


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_every_plot_speaks_the_language_with_a_font_that_has_its_characters(lang, tmp_path):
    import warnings

    from matplotlib import font_manager
    from matplotlib.text import Text

    from microgradpp.i18n import message
    from microgradpp.viz.plots import CHINESE_FONTS

    if CHINESE_FONTS[lang] not in {font.name for font in font_manager.fontManager.ttflist}:
        pytest.skip(
            f"no {CHINESE_FONTS[lang]} font: apt-get install fonts-noto-cjk (make setup does)"
        )
    model = MLP(2, [4, 1], seed=0)
    out = model([0.5, -1.0])
    (out * out).backward()
    X, y = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]], [0, 1, 1]
    figures = [
        plot_history(classification_history(), lang=lang),
        plot_decision_boundary(model, X, y, resolution=5, lang=lang),
        plot_gradient_flow(model, lang=lang),
        plot_gradient_flow(classification_history(), lang=lang),
    ]
    english = {message(key, "en") for key in message_keys("plot.")} | {"layer1", "layer2"}
    texts = set()
    for i, figure in enumerate(figures):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
            figure.savefig(tmp_path / f"{i}.png")
        texts |= {text.get_text() for text in figure.findobj(Text) if text.get_text()}
    assert texts & english == set()
    for key in ("plot.loss", "plot.accuracy", "plot.learning_rate", "plot.train",
                "plot.validation", "plot.decision_boundary", "plot.flow.model",
                "plot.flow.epochs", "plot.mean_axis"):  # fmt: skip
        assert message(key, lang) in texts, key
    assert message("plot.layer", lang, number=2) in texts


def message_keys(prefix: str) -> list[str]:
    from microgradpp.i18n import catalog

    return [
        key for key in catalog("en") if key.startswith(prefix) and "{" not in catalog("en")[key]
    ]


def test_plot_refusals_are_said_in_chinese():
    from microgradpp.i18n import translated
    from microgradpp.viz import plot_decision_boundary, plot_gradient_flow, plot_history

    cases = [
        (lambda: plot_history({"epochs": [], "loss": []}),
         "訓練紀錄是空的：請先訓練（history = fit(...)），再畫出來",
         "训练记录是空的：请先训练（history = fit(...)），再画出来"),
        (lambda: plot_decision_boundary(MLP(2, [1], seed=0), [[0.0, 1.0]], [1, 0]),
         "X 有 1 個點，y 卻有 2 個標籤", "X 有 1 个点，y 却有 2 个标签"),
        (lambda: plot_decision_boundary(MLP(3, [1], seed=0), [[0.0, 1.0, 2.0]], [1]),
         "plot_decision_boundary 需要二維的點：X = [[x0, x1], ...]",
         "plot_decision_boundary 需要二维的点：X = [[x0, x1], ...]"),
        (lambda: plot_gradient_flow(MLP(2, [2, 1], seed=0)),
         "每個梯度都是 0：請先執行 loss.backward()，再畫梯度流",
         "每个梯度都是 0：请先运行 loss.backward()，再画梯度流"),
    ]  # fmt: skip
    for make, hant, hans in cases:
        with pytest.raises(ValueError) as caught:
            make()
        assert translated(caught.value, "en") == str(caught.value)
        assert (translated(caught.value, "zh-Hant"), translated(caught.value, "zh-Hans")) == (
            hant,
            hans,
        )
