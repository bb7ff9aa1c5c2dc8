package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rezip copies a workbook's parts (all but those in drop) and adds parts
// of n zero bytes, as the staged zip bomb of issue 15 did (a 480 MiB
// "picture" and a 600 MiB sheet in a file of about a megabyte).
func rezip(t testing.TB, book []byte, drop map[string]bool, zeros map[string]int64) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	must(t, err)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return flate.NewWriter(out, flate.BestSpeed) })
	for _, f := range zr.File {
		if !drop[f.Name] {
			must(t, w.Copy(f))
		}
	}
	block := make([]byte, 1<<20)
	for name, n := range zeros {
		part, err := w.Create(name)
		must(t, err)
		for ; n > 0; n -= int64(len(block)) {
			_, err := part.Write(block[:min(n, int64(len(block)))])
			must(t, err)
		}
	}
	must(t, w.Close())
	return buf.Bytes()
}

// allocated is how many bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A workbook's pictures and other parts an import does not need are never
// unzipped, and a part larger than a 20 MiB file can honestly hold is
// refused before anything is unzipped.
func TestXLSXZipBomb(t *testing.T) {
	book := xlsxOf(t, sample)
	withMedia := rezip(t, book, nil, map[string]int64{"xl/media/image1.png": 480 << 20, "xl/theme/theme2.xml": 16 << 20})
	t.Logf("a workbook with a 480 MiB picture: %.1f MiB", float64(len(withMedia))/(1<<20))
	var p *parsed
	rep := &Report{}
	if n := allocated(func() { p = parse(withMedia, rep) }); n > 32<<20 {
		t.Errorf("reading the workbook allocated %d MiB", n>>20)
	}
	if rep.Count() != 0 || len(p.records) != 4 {
		t.Errorf("the sheet beside the picture: %d records, %+v", len(p.records), rep.Problems)
	}

	for name, content := range map[string][]byte{
		"300 MiB sheet":         rezip(t, book, map[string]bool{"xl/worksheets/sheet1.xml": true}, map[string]int64{"xl/worksheets/sheet1.xml": 300 << 20}),
		"8 MiB styles":          rezip(t, book, map[string]bool{"xl/styles.xml": true}, map[string]int64{"xl/styles.xml": 8 << 20}),
		"65 MiB shared strings": rezip(t, book, map[string]bool{"xl/sharedStrings.xml": true}, map[string]int64{"xl/sharedStrings.xml": 65 << 20}),
	} {
		rep := &Report{}
		if n := allocated(func() { parse(content, rep) }); n > 32<<20 {
			t.Errorf("%s: allocated %d MiB", name, n>>20)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Code != CodeUnreadable {
			t.Errorf("%s: %+v", name, rep.Problems)
		}
	}
}

// A part whose directory entry understates its size is cut off where the
// entry says it ends (archive/zip refuses the rest), so the limits hold.
func TestXLSXLyingSizes(t *testing.T) {
	book := xlsxOf(t, sample)
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	must(t, err)
	var raw bytes.Buffer
	fw, err := flate.NewWriter(&raw, flate.BestSpeed)
	must(t, err)
	sheet := append([]byte(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`), make([]byte, 64<<20)...)
	_, err = fw.Write(sheet)
	must(t, err)
	must(t, fw.Close())
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			part, err := w.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(sheet),
				CompressedSize64: uint64(raw.Len()), UncompressedSize64: 4096})
			must(t, err)
			_, err = io.Copy(part, &raw)
			must(t, err)
			continue
		}
		must(t, w.Copy(f))
	}
	must(t, w.Close())
	rep := &Report{}
	if n := allocated(func() { parse(buf.Bytes(), rep) }); n > 32<<20 {
		t.Errorf("allocated %d MiB", n>>20)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Code != CodeUnreadable {
		t.Errorf("%+v", rep.Problems)
	}

	// A directory of a hundred thousand entries is refused before it is read.
	buf.Reset()
	w = zip.NewWriter(&buf)
	for i := range 20_000 {
		_, err := w.CreateHeader(&zip.FileHeader{Name: fmt.Sprint(i), Method: zip.Store})
		must(t, err)
	}
	must(t, w.Close())
	if n, ok := zipEntries(buf.Bytes()); !ok || n != 20_000 {
		t.Errorf("entries %d %v", n, ok)
	}
	rep = &Report{}
	parse(buf.Bytes(), rep)
	if len(rep.Problems) != 1 || rep.Problems[0].Code != CodeUnreadable {
		t.Errorf("20,000 entries: %+v", rep.Problems)
	}
}

// merge writes the sample into a workbook, leaving out the cells under
// each merged range, as Excel keeps only the top-left one.
func mergedBook(t testing.TB, rows [][]string, ranges ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			must(t, f.SetCellStr("Sheet1", cell, v))
		}
	}
	for _, r := range ranges {
		m, _ := parseRange(r)
		from, _ := excelize.CoordinatesToCellName(m.c1, m.r1)
		to, _ := excelize.CoordinatesToCellName(m.c2, m.r2)
		must(t, f.MergeCell("Sheet1", from, to)) // keeps the top-left value only
	}
	buf, err := f.WriteToBuffer()
	must(t, err)
	return buf.Bytes()
}

// A building's name merged down its rows fills each row, as Excel's
// unmerge-and-fill does; a range across columns, or down from the header,
// is reported instead of guessed at.
func TestXLSXMergedCells(t *testing.T) {
	rep := &Report{}
	p := parse(mergedBook(t, sample, "A2:A4", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:F3", "G2:G3"), rep)
	if rep.Count() != 0 || len(p.records) != 4 {
		t.Fatalf("%d records, %+v", len(p.records), rep.Problems)
	}
	for i, r := range p.records[:3] {
		if r.building != "1" {
			t.Errorf("record %d: building %q", i, r.building)
		}
	}
	if r := p.records[1]; r.number != "1501" || r.area != 8950 || r.name != "李娜" || r.entrance != "1" {
		t.Errorf("second row of the unit: %+v", r)
	}

	for name, c := range map[string]struct {
		ranges []string
		want   []Problem
	}{
		"across columns":  {[]string{"H2:I2"}, []Problem{{Row: 2, Code: CodeMergedCells, Value: "H2:I2"}}},
		"a block":         {[]string{"A2:B4", "H3:I3"}, []Problem{{Row: 2, Code: CodeMergedCells, Value: "A2:B4"}, {Row: 3, Code: CodeMergedCells, Value: "H3:I3"}}},
		"from the header": {[]string{"A1:A2"}, []Problem{{Row: 1, Code: CodeMergedCells, Value: "A1:A2"}}},
	} {
		rep := &Report{}
		parse(mergedBook(t, sample, c.ranges...), rep)
		if fmt.Sprint(rep.Problems) != fmt.Sprint(c.want) {
			t.Errorf("%s: %+v, want %+v", name, rep.Problems, c.want)
		}
	}
	// Merged blank cells (formatting) are no problem.
	rep = &Report{}
	p = parse(mergedBook(t, sample, "K2:M5"), rep)
	if rep.Count() != 0 || len(p.records) != 4 {
		t.Errorf("merged blanks: %+v", rep.Problems)
	}
}

// withSheet replaces a workbook's first sheet.
func withSheet(t testing.TB, book []byte, sheet []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	must(t, err)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return flate.NewWriter(out, flate.BestSpeed) })
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			must(t, w.Copy(f))
			continue
		}
		part, err := w.Create(f.Name)
		must(t, err)
		_, err = part.Write(sheet)
		must(t, err)
	}
	must(t, w.Close())
	return buf.Bytes()
}

// Go's XML decoder holds a whole text or tag, and a name for each open
// element: a sheet within the size limit could still be one 200 MiB cell
// or a million nested elements (the test uses 40 MiB and 200,000). Both are refused before excelize reads
// them.
func TestXLSXShapeOfXML(t *testing.T) {
	book := xlsxOf(t, sample)
	head := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	cell := func(text string) string {
		return `<row r="1"><c r="A1" t="inlineStr"><is><t>` + text + `</t></is></c></row>`
	}
	for name, sheet := range map[string]string{
		"a 40 MiB cell":     head + cell(strings.Repeat("a", 40<<20)) + `</sheetData></worksheet>`,
		"a 40 MiB tag":      head + `<row r="1" x="` + strings.Repeat("a", 40<<20) + `"/></sheetData></worksheet>`,
		"nested 200,000":    head + strings.Repeat("<x>", 200_000) + strings.Repeat("</x>", 200_000) + `</sheetData></worksheet>`,
		"hidden in a CDATA": head + `<![CDATA[</x>]]>` + `</sheetData></worksheet>`,
	} {
		content := withSheet(t, book, []byte(sheet))
		rep := &Report{}
		if n := allocated(func() { parse(content, rep) }); n > 32<<20 {
			t.Errorf("%s: allocated %d MiB", name, n>>20)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].Code != CodeUnreadable {
			t.Errorf("%s: %+v", name, rep.Problems)
		}
	}
	// A long honest cell is fine.
	rep := &Report{}
	long := strings.Repeat("备注", 16_000)
	p := parse(withSheet(t, book, []byte(head+cell("楼栋")+`<row r="2"><c r="A2" t="inlineStr"><is><t>`+long+`</t></is></c></row></sheetData></worksheet>`)), rep)
	if p.header == nil || len(rep.Problems) == 0 || rep.Problems[0].Code != CodeMissingColumn {
		t.Errorf("a long cell: %+v", rep.Problems)
	}
}
