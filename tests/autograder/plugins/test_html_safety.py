"""What `autograder.plugins.html_safety` removes from a student's notebook, and what it keeps."""

import base64
import html.parser

import nbformat
import pytest
from nbconvert import HTMLExporter

from autograder.plugins import html_safety

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()
SCRIPTED_HTML = [
    "<script>document.title='XSS'</script>",
    '<img src=x onerror="document.title=\'XSS\'">',
    '<svg onload="document.title=\'XSS\'"><circle r="4"/></svg>',
    '<details open ontoggle="document.title=\'XSS\'"><summary>s</summary></details>',
    '<a href="javascript:document.title=\'XSS\'">link</a>',
    '<a href="JaVa&#x09;ScRiPt&#58;document.title=1">encoded</a>',
    '<a href="data:text/html,<script>alert(1)</script>">data</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="x.swf"></object>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<style>body{background:url(javascript:alert(1))}</style>',
    '<div style="background-image:url(javascript:alert(1));position:fixed">d</div>',
    '<math><a xlink:href="javascript:alert(1)">m</a></math>',
    '<a href="page.html">a student file formgrader serves from its own origin</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
]
FORBIDDEN = ("<script", "onerror", "onload", "ontoggle", "javascript", "<svg", "<iframe", "<object", "<form",
             "<style", "url(", "position", "data:text", "data:image/svg", "page.html", "xlink")
HONEST_MARKDOWN = """# Loss curves
## What *overfitting* looks like

The training loss keeps falling while `val_loss` rises after epoch 5, so `a < b` in code stays.
See <https://keras.io/api/callbacks/> and the [History docs](https://keras.io/api/models/model_training_apis/ "Keras").

1. first
2. second
   * nested, with **bold**

> The best epoch is the one with the lowest validation loss.
> > A nested quote.

| epoch | loss | val_loss |
|------:|-----:|---------:|
| 1 | 0.52 | 0.48 |

Math: $x^2 < y$ and $$\\frac{1}{1 + e^{-x}} > 0$$

```python
if loss < best_loss and epoch > 3:
    print("<saved>")
```
"""
PANDAS_TABLE = """<div>
<style scoped>
    .dataframe tbody tr th:only-of-type { vertical-align: middle; }
</style>
<table border="1" class="dataframe">
  <thead>
    <tr style="text-align: right;"><th></th><th>loss</th><th>val_loss</th></tr>
  </thead>
  <tbody>
    <tr><th>0</th><td>0.52</td><td>0.48</td></tr>
  </tbody>
</table>
</div>"""


def _display(data, metadata=None):
    return nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})


class _LiveParts(html.parser.HTMLParser):
    """The tags, event handlers and URLs in some HTML that could run script."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "svg", "iframe", "object", "embed", "form", "style", "math", "base", "meta", "link"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            compact = "".join((value or "").split()).lower()
            if name.startswith("on") or name in ("srcdoc", "xlink:href", "formaction") or (
                    name == "style" and ("url(" in compact or "position" in compact or "expression" in compact)):
                self.found.append(f"<{tag} {name}>")
            elif name in ("href", "src", "action") and (
                    compact.startswith(("javascript:", "vbscript:", "data:text", "data:image/svg"))
                    or (name == "href" and compact.endswith(".html"))):
                self.found.append(f"<{tag} {name}={value}>")


def _live_parts(text):
    parser = _LiveParts()
    parser.feed(text)
    parser.close()
    return parser.found


def _rendered(notebook):
    """The notebook as nbconvert's classic HTML template renders it (as feedback does)."""
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(notebook)
    return html


@pytest.mark.parametrize("payload", SCRIPTED_HTML)
def test_sanitize_html_removes_every_way_to_run_script(payload):
    cleaned = html_safety.sanitize_html(payload).lower()
    for forbidden in FORBIDDEN:
        assert forbidden not in cleaned, f"{payload!r} kept {forbidden!r}: {cleaned!r}"


def test_sanitize_html_keeps_tables_images_headings_lists_code_and_safe_links():
    fragment = ('<h2>Results</h2><ul><li><em>one</em></li></ul><pre><code>x = 1</code></pre>'
                '<table><tr><td colspan="2">cell</td></tr></table>'
                f'<img src="data:image/png;base64,{PNG}" alt="plot" width="300">'
                '<a href="https://keras.io">Keras</a><a href="#top">top</a><a href="mailto:ta@example.org">TA</a>')
    cleaned = html_safety.sanitize_html(fragment)
    for kept in ("<h2>Results</h2>", "<em>one</em>", "<pre><code>x = 1</code></pre>", 'colspan="2"',
                 f'src="data:image/png;base64,{PNG}"', 'width="300"', 'href="https://keras.io"', 'href="#top"',
                 'href="mailto:ta@example.org"'):
        assert kept in cleaned


def test_a_pandas_table_keeps_its_table_and_loses_its_style_block():
    cleaned = html_safety.sanitize_html(PANDAS_TABLE)
    assert 'class="dataframe"' in cleaned and 'border="1"' in cleaned
    assert 'style="text-align:right"' in cleaned
    assert "<td>0.48</td>" in cleaned
    assert "<style" not in cleaned and "vertical-align: middle" not in cleaned


def test_sanitize_html_says_what_to_pass_instead_of_a_list():
    with pytest.raises(TypeError, match=r"must be HTML text \(str\)\. Received: list"):
        html_safety.sanitize_html(["<b>", "x</b>"])


@pytest.mark.parametrize("payload", SCRIPTED_HTML + [
    "[click](javascript:document.title='XSS')",
    "[ref][x]\n\n[x]: javascript:alert(2)",
    "<javascript:alert(3)>",
    "![i](javascript:alert(4))",
    "[v](JaVaScRiPt&#58;alert(1))",
    "[d](data:text/html,<script>alert(1)</script>)",
    "`code` then <img src=x onerror=alert(1)> and `<script>` in code",
    "$x$ <img src=x onerror=alert(1)> $y$ and $$a <svg onload=alert(1)> b$$",
    "```\n<script>in a fence</script>\n```\n<img src=x onerror=alert(1)>",
])
def test_a_markdown_cell_renders_without_script(payload):
    cell = nbformat.v4.new_markdown_cell(payload)
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert _live_parts(_rendered(notebook).split("<body", 1)[1]), "the payload is live before sanitizing"
    html_safety.sanitize_notebook(notebook)
    assert not _live_parts(_rendered(notebook).split("<body", 1)[1]), cell.source


def test_an_honest_markdown_cell_is_kept_as_written_except_entities():
    cleaned = html_safety.sanitize_markdown(HONEST_MARKDOWN)
    assert cleaned == HONEST_MARKDOWN


def test_an_honest_markdown_cell_renders_as_before():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(HONEST_MARKDOWN)])
    before = _rendered(notebook)
    html_safety.sanitize_notebook(notebook)
    assert _rendered(notebook) == before
    for kept in ("<h1", "<h2", "<ol>", "<blockquote>", "<table>", "<code>val_loss</code>", "$x^2 &lt; y$",
                 "<code>a &lt; b</code>", 'href="https://keras.io/api/callbacks/"'):
        assert kept in before


def test_plain_text_around_html_keeps_its_meaning():
    cleaned = html_safety.sanitize_markdown("AT&T: 3 > 2 and 1 < 2. <b onclick='x()'>bold</b>")
    assert cleaned == "AT&amp;T: 3 > 2 and 1 &lt; 2. <b>bold</b>"


def test_a_missing_attachment_becomes_an_empty_image_instead_of_breaking_the_page():
    cell = nbformat.v4.new_markdown_cell("![plot](attachment:plot.svg)")
    cell.attachments = {"plot.svg": {"image/svg+xml": base64.b64encode(b"<svg onload=alert(1)/>").decode()}}
    notebook = nbformat.v4.new_notebook(cells=[cell])
    html_safety.sanitize_notebook(notebook)
    assert cell.source == "![plot](attachment:plot.svg)"
    assert cell.attachments == {"plot.svg": {"image/gif": html_safety.EMPTY_GIF}}
    assert "data:image/gif;base64" in _rendered(notebook)


def test_attachments_keep_only_base64_png_jpeg_and_gif():
    kept = html_safety.sanitize_attachments({
        "plot.png": {"image/png": PNG, "text/html": "<script>x()</script>"},
        "photo.jpg": {"image/jpeg": "not base64 <script>"},
        "page.html": {"text/html": "<script>x()</script>"},
    })
    assert kept == {"plot.png": {"image/png": PNG}}


@pytest.mark.parametrize("mime_type, value", [
    ("application/javascript", "document.title='XSS'"),
    ("image/svg+xml", "<svg onload=\"document.title='XSS'\"></svg>"),
    ("application/vnd.jupyter.widget-view+json", {"model_id": "abc", "version_major": 2, "version_minor": 0}),
    ("application/json", {"a": 1}),
    ("text/x-python", "print(1)"),
])
def test_outputs_that_can_hold_script_are_dropped(mime_type, value):
    output = html_safety.sanitize_output(_display({mime_type: value, "text/plain": "<Widget>"}))
    assert dict(output.data) == {"text/plain": "<Widget>"}


def test_an_output_with_nothing_safe_left_says_what_was_removed():
    output = html_safety.sanitize_output(_display({"application/javascript": "x()"}))
    assert output.data == {"text/plain": "[output of type application/javascript removed by the grader: it could hold script]"}


def test_html_and_markdown_outputs_are_sanitized():
    output = html_safety.sanitize_output(nbformat.v4.new_output(
        "execute_result", execution_count=1,
        data={"text/html": '<b>ok</b><img src=x onerror="x()">', "text/markdown": "**ok** [x](javascript:x())"}))
    assert output.data["text/html"] == '<b>ok</b><img src="x">'
    assert "javascript" not in output.data["text/markdown"] and "<strong>ok</strong>" in output.data["text/markdown"]


def test_a_png_plot_survives_and_bad_images_do_not():
    kept = html_safety.sanitize_output(_display({"image/png": PNG, "text/plain": "<Figure>"}))
    assert kept.data["image/png"] == PNG
    broken = html_safety.sanitize_output(_display({"image/png": '"><script>x()</script>', "image/jpeg": ["AAAA"]}))
    assert dict(broken.data) == {"image/jpeg": "AAAA"}


def test_output_metadata_keeps_only_numeric_image_sizes():
    output = html_safety.sanitize_output(_display(
        {"image/png": PNG},
        {"image/png": {"width": 640, "height": '1 onerror=alert(1)', "unconfined": True, "alt": '"><script>'},
         "width": "1 onload=alert(1)", "text/html": {"isolated": True}, "filenames": {"image/png": "x.png"}}))
    assert output.metadata == {"image/png": {"width": 640}}


def test_stream_error_text_and_latex_outputs_are_unchanged():
    outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="<script>escaped by nbconvert</script>"),
        nbformat.v4.new_output("error", ename="ValueError", evalue="<b>", traceback=["<img onerror=x>"]),
        _display({"text/latex": "$x^2$", "text/plain": "x**2"}),
    ]
    for output in outputs:
        assert html_safety.sanitize_output(output) == output


def test_sanitize_output_does_not_change_its_argument():
    original = _display({"application/javascript": "x()", "text/plain": "p"})
    html_safety.sanitize_output(original)
    assert "application/javascript" in original.data


def test_raw_cells_and_widget_state_are_cleaned():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_raw_cell("<img src=x onerror=alert(1)>raw")])
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    html_safety.sanitize_notebook(notebook)
    assert notebook.cells[0].source == '<img src="x">raw'
    assert "widgets" not in notebook.metadata


def test_sanitizing_twice_renders_the_same():
    """Feedback sanitizes a notebook that autograde already sanitized."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(HONEST_MARKDOWN),
        nbformat.v4.new_markdown_cell(HONEST_MARKDOWN + "\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>"),
        nbformat.v4.new_code_cell("x", outputs=[_display({"text/html": PANDAS_TABLE, "image/png": PNG})]),
    ])
    once = nbformat.writes(html_safety.sanitize_notebook(notebook))
    twice = html_safety.sanitize_notebook(nbformat.reads(once, as_version=4))
    assert twice.cells[0].source == HONEST_MARKDOWN
    assert _rendered(twice) == _rendered(nbformat.reads(once, as_version=4))


def test_sanitize_notebook_says_what_to_pass():
    with pytest.raises(ValueError, match="Expected an nbformat 4 notebook with `cells`"):
        html_safety.sanitize_notebook({"worksheets": []})
