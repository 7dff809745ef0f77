"""Word documents from the rendered Markdown, so the .docx and its .md twin say the same thing.

The Markdown is parsed by markdown-it-py (CommonMark plus tables); this module only maps its
tokens to python-docx: headings, paragraphs with bold and italic runs, bullet and numbered
lists, tables and horizontal rules (as page-wide separators).

The page is a Dutch document's: A4, language nl-NL (spelling check and hyphenation), page numbers
in the footer, and table header rows repeated on every page. Text is carried literally: inline
HTML and the text of links become plain runs, so nothing in a name disappears from the Word twin.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from markdown_it import MarkdownIt
from markdown_it.token import Token

from herverdeling.documents.reproducible import fix_office_file

_MD = MarkdownIt("commonmark").enable("table")
LANGUAGE = "nl-NL"
A4 = (Mm(210), Mm(297))
MARGIN = Mm(25)


def _set_language(doc: DocxDocument) -> None:
    """nl-NL as the default language of every run (docDefaults) and of the Normal style."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    for holder in (rpr, doc.styles["Normal"].element.get_or_add_rPr()):
        lang = holder.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            holder.append(lang)
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), LANGUAGE)
    doc.core_properties.language = LANGUAGE


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it shows the page."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _page_setup(doc: DocxDocument) -> None:
    """A4 with 25 mm margins, and 'Pagina X van Y' centred in the footer."""
    for section in doc.sections:
        section.page_width, section.page_height = A4
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("Pagina ")
        _field(footer, "PAGE")
        footer.add_run(" van ")
        _field(footer, "NUMPAGES")


def _runs(paragraph: Paragraph, inline: Token) -> None:
    bold = italic = False
    for child in inline.children or []:
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type == "em_open":
            italic = True
        elif child.type == "em_close":
            italic = False
        elif child.type in {"text", "code_inline", "html_inline"}:
            run = paragraph.add_run(child.content)
            if bold:  # setting False would still write an element into every run
                run.bold = True
            if italic:
                run.italic = True
        elif child.type in {"softbreak", "hardbreak"}:
            paragraph.add_run().add_break()


def markdown_to_docx(markdown: str, path: Path, *, title: str = "", when: date | None = None) -> Path:
    """Write `markdown` as a .docx at `path` (a lawyer edits it further in Word).

    `when` (the round's as_of) is its created/modified date: the same text gives the same bytes.
    """
    doc: DocxDocument = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    if title:
        doc.core_properties.title = title
    _set_language(doc)
    _page_setup(doc)
    tokens = _MD.parse(markdown)
    # Style ids resolved once: python-docx scans every style on each `style=` assignment, which
    # made a run of a few hundred agreements take tens of seconds.
    style_ids = {name: doc.styles[name].style_id
                 for name in ("List Bullet", "List Number", *(f"Heading {n}" for n in range(1, 5)))}

    def paragraph(style: str | None = None) -> Paragraph:
        para = doc.add_paragraph()
        if style is not None:
            para._p.style = style_ids[style]  # the documented XML attribute, set directly
        return para

    lists: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            heading = paragraph(f"Heading {min(level, 4)}")
            _runs(heading, tokens[i + 1])
            i += 3
            continue
        if tok.type in {"bullet_list_open", "ordered_list_open"}:
            lists.append("List Bullet" if tok.type == "bullet_list_open" else "List Number")
        elif tok.type in {"bullet_list_close", "ordered_list_close"}:
            lists.pop()
        elif tok.type == "paragraph_open":
            para = paragraph(lists[-1] if lists and tok.hidden else None)
            _runs(para, tokens[i + 1])
            i += 3
            continue
        elif tok.type == "table_open":
            i = _table(doc, tokens, i)
            continue
        elif tok.type == "hr":
            para = paragraph()
            para.add_run("_" * 40)
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif tok.type in {"fence", "code_block", "html_block"}:
            doc.add_paragraph(tok.content.rstrip("\n"))
        i += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.core_properties.revision = 1
    doc.save(str(path))
    return fix_office_file(path, when)


def _table(doc: DocxDocument, tokens: list[Token], start: int) -> int:
    rows: list[list[Token]] = []
    i = start + 1
    while tokens[i].type != "table_close":
        if tokens[i].type == "tr_open":
            rows.append([])
        elif tokens[i].type == "inline":
            rows[-1].append(tokens[i])
        i += 1
    if rows:
        table = doc.add_table(rows=0, cols=max(len(r) for r in rows))
        table.style = doc.styles["Table Grid"]
        for r, inlines in enumerate(rows):
            cells = table.add_row().cells  # one pass per row; table.cell(r, c) rescans the grid
            if r == 0:  # the header row repeats at the top of every page the table runs onto
                header = OxmlElement("w:tblHeader")
                header.set(qn("w:val"), "true")
                table.rows[0]._tr.get_or_add_trPr().append(header)
            for cell, inline in zip(cells, inlines, strict=False):
                para = cell.paragraphs[0]
                _runs(para, inline)
                if r == 0:
                    for run in para.runs:
                        run.bold = True
    return i + 1


def docx_text(path: Path) -> str:
    """All text of a .docx (paragraphs and table cells), for tests and checks."""
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)
