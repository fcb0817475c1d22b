"""Nothing a student hands in reaches the instructor's browser as live HTML.

Formgrader (served from the Jupyter server's own origin) and
`nbgrader generate_feedback` render the *autograded* notebook with
nbconvert, which puts markdown cells, raw cells and rich outputs into the
page as they are. A submission could therefore run script in the
instructor's formgrader page: a `<script>` or `<img onerror=...>` in a
markdown cell, a `[link](javascript:...)`, an `application/javascript`,
`image/svg+xml` or widget output, an HTML output, or output metadata that
the templates write into `<img>` attributes.

`sanitize_notebook` makes a notebook safe to render, and the nbgrader
preprocessor `autograder.plugins.sanitize_student_html.SanitizeStudentHTML`
runs it last in autograde and again before feedback is exported
(`nbgrader_config.py`):

- markdown cells: raw HTML is cleaned with `nh3` (an allow-list sanitizer,
  `sanitize_html`), while code spans, fenced code, math and autolinks are
  left as written, so ordinary markdown renders as before. The result is
  then rendered with nbconvert's own `markdown2html` and checked: if the
  rendering holds anything the sanitizer would remove (a markdown
  `[link](javascript:...)`, say), the cell's source becomes the sanitized
  rendering instead.
- raw cells (which nbconvert copies into the page): cleaned as HTML.
- code cells' outputs (`sanitize_output`): `text/plain` and `text/latex`
  (both escaped by nbconvert) are kept; `image/png` and `image/jpeg` only
  as base64 text; `text/html` and `text/markdown` sanitized; every other
  type (`application/javascript`, `image/svg+xml`, widget views, JSON,
  ...) is dropped. Output metadata keeps only numeric `width` and
  `height` per image type. Stream and error outputs are unchanged:
  nbconvert escapes them.
- attachments: only PNG, JPEG and GIF images in base64.
- notebook metadata: the widget state (`widgets`), which nbconvert writes
  into a `<script>` element, is dropped.
"""

import base64
import binascii
import html
import html.parser
import re
import uuid

import nbformat
import nh3
from nbconvert.filters.markdown_mistune import InvalidNotebook, IPythonRenderer, MarkdownWithMath

# What `sanitize_html` keeps: nh3's (ammonia's) default tags, which hold
# no script, style, form, frame or media element, plus a table footer.
ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS | {"tfoot"})
ALLOWED_ATTRIBUTES = {
    **{tag: set(attributes) for tag, attributes in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"title"},
    "table": set(nh3.ALLOWED_ATTRIBUTES["table"]) | {"border"},
}
# Inline styles that only change how text and tables look (pandas writes
# `style="text-align: right;"`); no property that takes a URL or moves boxes.
STYLED_TAGS = ("table", "thead", "tbody", "tfoot", "tr", "th", "td", "span", "div", "p")
for _tag in STYLED_TAGS:
    ALLOWED_ATTRIBUTES.setdefault(_tag, set()).add("style")
STYLE_PROPERTIES = frozenset(
    {"text-align", "vertical-align", "color", "background-color", "font-weight", "font-style",
     "text-decoration", "white-space"}
)
ALLOWED_CLASSES = {"table": {"dataframe"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# The only `data:` URLs kept, and only in `<img src>`.
SAFE_DATA_URL = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*\Z", re.IGNORECASE)
# Attributes whose value a browser treats as a URL.
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "longdesc", "action", "formaction", "background", "poster"})
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CONTROL_AND_SPACE = re.compile(r"[\x00-\x20\x7f]+")

KEPT_MIME_TYPES = ("text/plain", "text/latex", "image/png", "image/jpeg", "text/html", "text/markdown")
IMAGE_MIME_TYPES = ("image/png", "image/jpeg")
ATTACHMENT_MIME_TYPES = ("image/png", "image/jpeg", "image/gif")
EMPTY_GIF = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*\Z")

# Parts of a markdown cell whose text markdown shows as written (escaped
# by the renderer), so they are not cleaned as HTML: fenced code, code
# spans, math, and autolinks with a safe scheme. What is left as written is
# checked anyway, on the rendered cell (`_renders_safely`).
_VERBATIM_MARKDOWN = re.compile(
    r"(?P<fenced>^[ ]{0,3}(?P<fence>(?P<char>[`~])(?P=char){2,})[^\n]*\n.*?(?:^[ ]{0,3}(?P=fence)(?P=char)*[ \t]*$|\Z))"
    r"|(?P<code>(?<!`)(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<display_math>\$\$.+?\$\$)"
    r"|(?P<latex_block>\\begin\{(?P<environment>[A-Za-z]+\*?)\}.*?\\end\{(?P=environment)\})"
    r"|(?P<bracket_math>\\\[.+?\\\]|\\\(.+?\\\))"
    r"|(?P<inline_math>\$[^$\n]+?\$)"
    r"|(?P<autolink><(?:https?|mailto):[^<>\s]*>|<[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9.-]+>)",
    re.MULTILINE | re.DOTALL,
)


def _url_is_safe(tag, attribute, value):
    """Whether `value` may stay in `attribute` of `tag` (see `sanitize_html`)."""
    compact = _CONTROL_AND_SPACE.sub("", html.unescape(value))
    scheme = _SCHEME.match(compact)
    if scheme is None:
        # A relative URL. Formgrader serves every file of the student's
        # autograded folder from its own origin, so a link to a student's
        # `page.html` would open script there; images are inert.
        return tag != "a" or attribute != "href" or compact.startswith("#") or compact == ""
    name = scheme.group(1).lower()
    if name == "data":
        return tag == "img" and attribute == "src" and SAFE_DATA_URL.match(compact) is not None
    if name == "attachment":
        return tag == "img" and attribute == "src"
    return name in URL_SCHEMES


def _attribute_filter(tag, attribute, value):
    if attribute in URL_ATTRIBUTES and not _url_is_safe(tag, attribute, value):
        return None
    return value


def sanitize_html(fragment):
    """Returns an HTML fragment with everything that could run script removed.

    What stays: nh3's default tags (headings, paragraphs, lists, tables,
    images, links, code, `pre`, emphasis, `details`, ...) with their
    presentational attributes and `title`; `style` only on table, text and
    `div` elements and only with the properties in `STYLE_PROPERTIES`;
    `class="dataframe"` on tables; links to `http`, `https`, `mailto` and
    `#fragment` URLs; images from `http(s)`, relative paths, `attachment:`
    and `data:image/png|jpeg|gif;base64`. Everything else goes: `script`
    and `style` elements with their content, every event handler
    attribute, `javascript:`, `vbscript:`, other `data:` URLs, relative
    links (formgrader would serve a student's own HTML file from its
    origin), `iframe`, `object`, `svg`, `math`, forms and comments.

    Args:
        fragment: HTML text, for example a `text/html` output.

    Returns:
        The cleaned fragment, as text.

    Raises:
        TypeError: if `fragment` is not a string.

    Example:

    >>> sanitize_html('<b onclick="x()">bold</b><script>x()</script>')
    '<b>bold</b>'
    """
    if not isinstance(fragment, str):
        raise TypeError(f"`fragment` must be HTML text (str). Received: {type(fragment).__name__}. "
                        "Join a list of lines first: ''.join(lines).")
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(URL_SCHEMES | {"data", "attachment"}),
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        filter_style_properties=set(STYLE_PROPERTIES),
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


def sanitize_markdown(source, attachments=None):
    """Returns a markdown cell's source with its raw HTML made safe.

    The raw HTML in the source is cleaned by `sanitize_html`; fenced code,
    code spans, math (`$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]`,
    `\\begin{...}...\\end{...}`) and `<https://...>` autolinks are kept as
    written, and `>` (blockquotes) is restored after cleaning, so ordinary
    markdown renders as before (`&lt;` and `&amp;` stay escaped). The
    result is rendered with nbconvert's `markdown2html`, as formgrader and
    feedback render it; if that rendering still holds something
    `sanitize_html` would remove (a markdown `[link](javascript:...)` or
    `![](data:text/html,...)`), the sanitized *rendering* is returned
    instead, as HTML, which renders the same but no longer reads as
    markdown.

    An `![](attachment:name)` whose attachment is not in `attachments`
    would make nbconvert fail on the whole notebook: the returned source
    then is the sanitized rendering, with an empty image in its place.
    (`sanitize_notebook` gives a cell's missing attachments an empty image
    instead, and keeps the markdown.)

    Args:
        source: The cell's source, as text.
        attachments: The cell's attachments, already sanitized
            (`sanitize_attachments`). Defaults to `None`, meaning none (as
            for a `text/markdown` output).

    Returns:
        Markdown that renders to safe HTML.

    Raises:
        TypeError: if `source` is not a string.
    """
    if not isinstance(source, str):
        raise TypeError(f"`source` must be the markdown text (str). Received: {type(source).__name__}. "
                        "Join a list of lines first: ''.join(lines).")
    attachments = attachments or {}
    cleaned = _clean_raw_html_in_markdown(source)
    if _renders_safely(cleaned, attachments):
        return cleaned
    rendered = sanitize_html(_render(source, {**attachments, **missing_attachments(source, attachments)}))
    if _renders_safely(rendered, attachments):
        return rendered
    return "<pre>" + html.escape(source) + "</pre>"


def _render(markdown, attachments):
    """`markdown` rendered as nbconvert's HTMLExporter renders a markdown cell."""
    renderer = IPythonRenderer(escape=False, attachments=attachments, exclude_anchor_links=True)
    return MarkdownWithMath(renderer=renderer).render(markdown)


def missing_attachments(source, attachments, limit=100):
    """Returns an empty image for each attachment `source` shows but `attachments` lacks.

    nbconvert fails on a whole notebook whose markdown shows a missing
    attachment, so a student could break formgrader's page of their
    submission with one, or by an attachment that `sanitize_attachments`
    removed.

    Args:
        source: Markdown text.
        attachments: File name to `{mime type: base64 data}`.
        limit: How many missing attachments to fill in at most. Defaults to 100.

    Returns:
        A dict of the same shape as `attachments`, with only the missing ones.
    """
    missing = {}
    for _ in range(limit):
        try:
            _render(source, {**attachments, **missing})
            break
        except InvalidNotebook as error:
            name = str(error).removeprefix("missing attachment: ")
            if name in missing:
                break
            missing[name] = {"image/gif": EMPTY_GIF}
    return missing


def _clean_raw_html_in_markdown(source):
    marker = f"verbatim{uuid.uuid4().hex}n"
    kept = []

    def keep(match):
        kept.append(match.group(0))
        return f"{marker}{len(kept) - 1}z"

    masked = _VERBATIM_MARKDOWN.sub(keep, source)
    cleaned = sanitize_html(masked).replace("&gt;", ">")
    return re.sub(rf"{marker}(\d+)z", lambda match: kept[int(match.group(1))], cleaned)


def _renders_safely(markdown, attachments):
    """Whether nbconvert's rendering of `markdown` is left as it is by `sanitize_html`."""
    try:
        rendered = _render(markdown, attachments)
    except InvalidNotebook:  # A missing attachment: nbconvert would fail on the notebook.
        return False
    return _Canonical.of(rendered) == _Canonical.of(sanitize_html(rendered))


class _Canonical(html.parser.HTMLParser):
    """HTML as a list of tags, sorted attributes and text, for comparing a
    rendering with its sanitized self. `rel` (which the sanitizer adds) and
    `class` (which nbconvert's code highlighting writes, and which cannot
    run anything) are left out; `style` is compared without spaces. A `<`
    that this parser reads as text, where a browser might see a tag, is
    recorded as such, so that the comparison fails rather than trust it."""

    VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.events = []
        self._text = []

    @classmethod
    def of(cls, text):
        parser = cls()
        parser.feed(text)
        parser.close()
        parser._flush()
        return parser.events

    def _flush(self):
        text = " ".join("".join(self._text).split())
        if text:
            self.events.append(("text", text))
        self._text = []

    def _event(self, *event):
        self._flush()
        self.events.append(event)

    def handle_starttag(self, tag, attrs):
        kept = [(name, "".join((value or "").split()).rstrip(";") if name == "style" else value or "")
                for name, value in attrs if name not in ("rel", "class")]
        self._event("start", tag, tuple(sorted(kept)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            self._event("end", tag)

    def handle_data(self, data):
        if "<" in data:
            self._event("a < read as text", data)
        self._text.append(data)

    def handle_entityref(self, name):
        self._text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name):
        self._text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data):
        self._event("comment", data)

    def handle_decl(self, decl):
        self._event("declaration", decl)

    def handle_pi(self, data):
        self._event("processing instruction", data)

    def unknown_decl(self, data):
        self._event("declaration", data)


def _is_base64(value):
    if not isinstance(value, str) or not _BASE64.match(value):
        return False
    try:
        base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _text(value):
    return "".join(value) if isinstance(value, list) else value


def sanitize_output(output):
    """Returns a copy of one code-cell output that is safe to render.

    `stream` and `error` outputs are returned unchanged (nbconvert escapes
    them). For `display_data` and `execute_result`:

    - kept as they are: `text/plain`, and `text/latex` (nbconvert escapes
      it, and MathJax, loaded with its `Safe` extension, typesets it);
    - kept if they are base64 text: `image/png`, `image/jpeg`;
    - sanitized: `text/html` (`sanitize_html`), `text/markdown`
      (`sanitize_markdown`);
    - dropped: every other type, among them `application/javascript`,
      `image/svg+xml` (SVG can hold script), widget views and JSON.

    If nothing is left, a `text/plain` line says which types were removed.
    The metadata keeps only numeric `width` and `height` for each image type
    kept (nbconvert writes them into `<img>` attributes).

    Args:
        output: An nbformat output (a `NotebookNode` or a dict).

    Returns:
        A new `NotebookNode`; `output` itself is not changed.

    Raises:
        ValueError: if `output` has no `output_type`.
    """
    if "output_type" not in output:
        raise ValueError(f"An output must have an `output_type`. Received keys: {sorted(output)}. "
                         "Pass one entry of a code cell's `outputs`.")
    output = nbformat.from_dict(dict(output))
    if output.output_type not in ("display_data", "execute_result"):
        return output
    data = {}
    for mime_type, value in output.get("data", {}).items():
        value = _text(value)
        if mime_type in ("text/plain", "text/latex") and isinstance(value, str):
            data[mime_type] = value
        elif mime_type in IMAGE_MIME_TYPES and _is_base64(value):
            data[mime_type] = value
        elif mime_type == "text/html" and isinstance(value, str):
            data[mime_type] = sanitize_html(value)
        elif mime_type == "text/markdown" and isinstance(value, str):
            data[mime_type] = sanitize_markdown(value)
    removed = sorted(set(output.get("data", {})) - set(data))
    if not data and removed:
        data["text/plain"] = f"[output of type {', '.join(removed)} removed by the grader: it could hold script]"
    output.data = nbformat.from_dict(data)
    output.metadata = nbformat.from_dict(_image_metadata(output.get("metadata", {}), data))
    return output


def _image_metadata(metadata, data):
    kept = {}
    for mime_type in IMAGE_MIME_TYPES:
        if mime_type not in data:
            continue
        sizes = metadata.get(mime_type)
        sizes = sizes if isinstance(sizes, dict) else {}
        numeric = {key: sizes[key] for key in ("width", "height")
                   if isinstance(sizes.get(key), (int, float)) and not isinstance(sizes.get(key), bool)}
        if numeric:
            kept[mime_type] = numeric
    return kept


def sanitize_attachments(attachments):
    """Returns the attachments of a cell that are PNG, JPEG or GIF images in base64.

    Args:
        attachments: A cell's `attachments`: file name to `{mime type: data}`.

    Returns:
        A new dict of the same shape without any other type or file.
    """
    kept = {}
    for name, bundle in (attachments or {}).items():
        if not isinstance(bundle, dict):
            continue
        images = {mime_type: _text(value) for mime_type, value in bundle.items()
                  if mime_type in ATTACHMENT_MIME_TYPES and _is_base64(_text(value))}
        if images:
            kept[name] = images
    return kept


def sanitize_notebook(notebook):
    """Makes a notebook safe to render as HTML, in place, and returns it.

    Markdown cells go through `sanitize_markdown`, raw cells through
    `sanitize_html`, every code cell's outputs through `sanitize_output`,
    and every cell's attachments through `sanitize_attachments` (an
    attachment a markdown cell shows but lacks becomes an empty image); the
    notebook's widget state is dropped. Running it twice changes nothing
    more.

    Args:
        notebook: An nbformat 4 `NotebookNode`.

    Returns:
        `notebook`.

    Raises:
        ValueError: if `notebook` has no `cells`.
    """
    if "cells" not in notebook:
        raise ValueError("Expected an nbformat 4 notebook with `cells`. "
                         f"Received keys: {sorted(notebook)}. Read it with nbformat.read(path, as_version=4).")
    for cell in notebook.cells:
        if "attachments" in cell:
            cell.attachments = nbformat.from_dict(sanitize_attachments(cell.attachments))
        if cell.cell_type == "markdown":
            source = _text(cell.source)
            attachments = dict(cell.get("attachments", {}))
            missing = missing_attachments(source, attachments)
            if missing:
                cell.attachments = nbformat.from_dict({**attachments, **missing})
            cell.source = sanitize_markdown(source, {**attachments, **missing})
        elif cell.cell_type == "raw":
            cell.source = sanitize_html(_text(cell.source))
        elif cell.cell_type == "code":
            cell.outputs = [sanitize_output(output) for output in cell.get("outputs", [])]
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook

