"""``.. markdown-output:: path.md``: a benchmark's Markdown output as a page part.

The benchmark scripts print Markdown (for terminals and the README); included
verbatim it would show pipes and dashes. This directive turns its pipe tables
into list-tables, ``##`` headings into bold lines, and keeps the prose.
"""

from __future__ import annotations

from pathlib import Path

from docutils.parsers.rst import Directive
from docutils.statemachine import StringList


def markdown_to_rst(text: str) -> list[str]:
    out, table = [], []

    def flush():
        if not table:
            return
        rows = [
            [cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in table
            if not set(line.replace("|", "").strip()) <= set("-: ")
        ]
        out.extend(["", ".. list-table::", "   :header-rows: 1", ""])
        for row in rows:
            out.append(f"   * - {row[0] or ' '}")
            out.extend(f"     - {cell or ' '}" for cell in row[1:])
        out.append("")
        table.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            table.append(line)
            continue
        flush()
        if line.startswith("# "):
            continue  # the page has its own title
        if line.startswith("#"):
            out.extend(["", f"**{line.lstrip('#').strip()}**", ""])
        else:
            out.append(line)
    flush()
    return out


class MarkdownOutput(Directive):
    required_arguments = 1

    def run(self):
        env = self.state.document.settings.env
        path = Path(env.srcdir) / self.arguments[0]
        env.note_dependency(str(path))
        lines = markdown_to_rst(path.read_text(encoding="utf-8"))
        self.state_machine.insert_input(StringList(lines, str(path)), str(path))
        return []


def setup(app):
    app.add_directive("markdown-output", MarkdownOutput)
    return {"parallel_read_safe": True}
