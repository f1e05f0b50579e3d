"""HTML building blocks of the report: the stylesheet, escaping, numbers, tables, figures."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from datetime import datetime

STYLE = """
:root { --ink: #1d2330; --muted: #5b6475; --line: #dde1e8;
  --accent: #1f5fa8; --best: #fff4e0; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
main { max-width: 1060px; margin: 0 auto; padding: 28px 30px 40px; background: #fff;
  min-height: 100vh; }
h1 { font-size: 1.6em; margin: 0 0 2px; }
h2 { font-size: 1.2em; margin: 30px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
.path { color: var(--muted); font: 13px ui-monospace, "DejaVu Sans Mono", monospace;
  margin: 0 0 16px; word-break: break-all; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr));
  gap: 8px; margin: 0; }
.facts div { background: #f7f8fa; border: 1px solid var(--line); border-radius: 6px;
  padding: 7px 11px; }
.facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .04em; }
.facts dd { margin: 0; font-weight: 600; }
figure { margin: 14px 0 8px; }
figure img.plot { width: 100%; height: auto; display: block; }
figcaption, .note { color: var(--muted); font-size: 13.5px; margin: 4px 0 0; }
.missing { color: var(--muted); font-style: italic; margin: 4px 0; }
table { border-collapse: collapse; font-size: 14px; margin: 6px 0 10px; }
th, td { padding: 4px 12px 4px 0; text-align: left; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12.5px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-right: 16px; }
tr.best td { background: var(--best); font-weight: 600; }
td code { font-size: 13px; }
.config td:nth-child(3) { color: var(--muted); font-size: 13px; }
.episode { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.episode figure { width: min-content; margin: 4px 0; }
.episode img { display: block; border: 1px solid var(--line); }
.episode img.agent { width: 252px; height: 252px; image-rendering: pixelated; }
.episode img.pixels { image-rendering: pixelated; }
footer { margin-top: 34px; color: var(--muted); font-size: 12.5px; }
"""


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def number(value: float | None, digits: int = 1) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def data_uri(mime: str, payload: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def missing(text: str) -> str:
    return f'<p class="missing">{escape(text)}</p>'


def section(anchor: str, heading: str, body: Iterable[str]) -> str:
    return (
        f'<section id="{anchor}">\n<h2>{escape(heading)}</h2>\n' + "\n".join(body) + "\n</section>"
    )


def plot(png: bytes, alt: str, caption: str) -> str:
    return (
        f'<figure><img class="plot" src="{data_uri("image/png", png)}" alt="{escape(alt)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: Sequence[bool],
    classes: Sequence[str] = (),
    table_class: str = "",
) -> str:
    """An HTML table; cells are HTML already (escape text before)."""

    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(
            f'<{tag} class="num">{v}</{tag}>' if n else f"<{tag}>{v}</{tag}>"
            for v, n in zip(values, numeric, strict=True)
        )

    body = []
    for i, row in enumerate(rows):
        row_class = classes[i] if i < len(classes) and classes[i] else ""
        attribute = f' class="{row_class}"' if row_class else ""
        body.append(f"<tr{attribute}>{cells('td', row)}</tr>")
    attribute = f' class="{table_class}"' if table_class else ""
    return (
        f"<table{attribute}><thead><tr>{cells('th', headers)}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"
