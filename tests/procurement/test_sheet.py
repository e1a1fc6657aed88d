"""The fast sheet reader against what other writers produce: shared, rich, inline and formula strings,
namespace prefixes, booleans, numbers, and cells or rows left out."""
from __future__ import annotations

import io
import zipfile

import pytest

from erp.procurement.services.sheet import NotAWorkbook, read_rows

WORKBOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="目录" sheetId="1" r:id="rId7"/></sheets></workbook>')
RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="x" Target="styles.xml"/>'
        '<Relationship Id="rId7" Type="x" Target="/xl/worksheets/data.xml"/></Relationships>')
SHARED = ('<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<x:si><x:t>医保编码</x:t></x:si>'
          '<x:si><x:r><x:t>黄</x:t></x:r><x:r><x:rPr/><x:t xml:space="preserve">芪 &amp; 当归</x:t></x:r>'
          '<x:rPh><x:t>huangqi</x:t></x:rPh></x:si><x:si/></x:sst>')
SHEET = ('<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
         '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>包装&lt;数量&gt;</x:t>'
         '</x:is></x:c></x:row>'
         '<x:row r="3"><x:c r="A3" t="s"><x:v>1</x:v></x:c><x:c r="B3" t="b"><x:v>1</x:v></x:c>'
         '<x:c r="D3"><x:v>1000</x:v></x:c><x:c r="E3"><x:v>0.25</x:v></x:c><x:c r="F3" t="str"><x:f>A1</x:f>'
         '<x:v>T000700366</x:v></x:c><x:c r="G3" t="s"><x:v>2</x:v></x:c><x:c r="H3" s="1"/></x:row>'
         '</x:sheetData></x:worksheet>')


def workbook(**parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in {"xl/workbook.xml": WORKBOOK, "xl/_rels/workbook.xml.rels": RELS,
                           "xl/sharedStrings.xml": SHARED, "xl/worksheets/data.xml": SHEET, **parts}.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_every_kind_of_cell_is_read_at_its_place():
    rows = list(read_rows(workbook()))
    assert rows == [("医保编码", None, "包装<数量>"), (),
                    ("黄芪 & 当归", True, None, 1000, 0.25, "T000700366", "", None)]


@pytest.mark.parametrize("data", [b"not a zip", workbook(**{"xl/workbook.xml": "<workbook/>"})])
def test_a_file_that_is_not_a_workbook_is_refused(data):
    with pytest.raises(NotAWorkbook):
        list(read_rows(data))
