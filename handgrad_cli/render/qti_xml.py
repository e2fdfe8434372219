"""The QTI 1.2 pieces both kinds of Canvas quiz share: metadata fields, HTML text, a question group's
opening, and a quiz's opening and closing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr

from handgrad_cli.render.platform import XmlTemplate, slot

QTI_NAMESPACE = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"


def field(parent: ET.Element, label: str, entry: str) -> None:
    element = ET.SubElement(parent, "qtimetadatafield")
    ET.SubElement(element, "fieldlabel").text = label
    ET.SubElement(element, "fieldentry").text = entry


def html_text(parent: ET.Element, text_html: str) -> None:
    material = ET.SubElement(parent, "material")
    ET.SubElement(material, "mattext", {"texttype": "text/html"}).text = text_html


def group_section(ident: str, title: str, count: str, points: str) -> str:
    """A question group's opening, as XML."""
    section = ET.Element("section", {"ident": ident, "title": title})
    selection = ET.SubElement(ET.SubElement(section, "selection_ordering"), "selection")
    ET.SubElement(selection, "selection_number").text = count
    ET.SubElement(ET.SubElement(selection, "selection_extension"), "points_per_item").text = points
    ET.indent(section, space="  ", level=3)
    text = ET.tostring(section, encoding="unicode")
    return "      " + text.removesuffix("</section>").rstrip() + "\n"


GROUP_HEAD = XmlTemplate(group_section(*map(slot, ("ident", "title", "count", "points"))))


def opened_cdata(text: str) -> str:
    """`text` as the start of a CDATA section, for its writer to close with ``]]>``: HTML in XML unescaped,
    a fifth shorter. A ``]]>`` inside (HTML escapes ``>``, so none is expected) is split in two."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>")


def group_head(ident: str, title: str, count: int, points: str) -> str:
    """A question group that gives each student `count` of its questions, at `points` each."""
    return GROUP_HEAD.fill({"ident": ident, "title": title}, count=str(count), points=points)


def assessment_head(identifier: str, title: str) -> str:
    """A quiz's XML up to its first question group (``ASSESSMENT_TAIL`` closes it)."""
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<questestinterop xmlns="{QTI_NAMESPACE}">
  <assessment ident={quoteattr(identifier)} title={quoteattr(title)}>
    <section ident="root_section">
'''


ASSESSMENT_TAIL = "    </section>\n  </assessment>\n</questestinterop>\n"
GROUP_TAIL = "      </section>\n"
