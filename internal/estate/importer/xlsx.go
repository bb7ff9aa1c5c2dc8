package importer

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// What a workbook of MaxFileBytes can honestly hold once unzipped. Sheet
// XML deflates about 13 to 1 (200,000 rows of the template's ten columns:
// 8.2 MiB zipped, 113 MiB unzipped), so 20 MiB of it is at most about
// 260 MiB; excelize streams a sheet or shared-string table larger than
// xlsxInMemory through a temporary file, never through memory. The other
// parts an import reads (the workbook, its relationships, styles) are
// small and held in memory whole. Everything else in the file (pictures,
// drawings, other sheets, themes) is never unzipped at all.
const (
	xlsxMaxSheet   = 256 << 20
	xlsxMaxStrings = 64 << 20
	xlsxMaxPart    = 4 << 20
	xlsxMaxEntries = 10_000
	xlsxInMemory   = 1 << 20
	// xlsxMaxMerged bounds the merged ranges read; a sheet with more is
	// refused.
	xlsxMaxMerged = 10_000
)

var errXLSX = zip.ErrFormat

// xlsxParts are the workbook parts an import reads besides the sheet, by its name in lower case
// (Excel and excelize do not agree on the case of some).
var xlsxParts = map[string]bool{
	"[content_types].xml":        true,
	"_rels/.rels":                true,
	"xl/workbook.xml":            true,
	"xl/_rels/workbook.xml.rels": true,
	"xl/styles.xml":              true,
	"xl/sharedstrings.xml":       true,
}

// slimXLSX checks a workbook's zip directory against the limits above,
// before anything is unzipped (archive/zip refuses a part that unzips to
// more than its directory says), and returns a workbook of only the parts
// an import reads, their compressed bytes copied as they are, with the
// first sheet's part and the shared strings' (nil if none).
func slimXLSX(content []byte) (slim []byte, sheet, shared *zip.File, err error) {
	// The directory itself costs memory for each entry: count them first.
	if n, ok := zipEntries(content); !ok || n > xlsxMaxEntries {
		return nil, nil, nil, errXLSX
	}
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		return nil, nil, nil, err
	}
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/"))
		if strings.HasPrefix(name, "xl/worksheets/") && !strings.Contains(name[len("xl/worksheets/"):], "/") || xlsxParts[name] {
			if parts[name] != nil {
				return nil, nil, nil, errXLSX
			}
			parts[name] = f
		}
	}
	for name, f := range parts {
		limit := uint64(xlsxMaxPart)
		switch {
		case name == "xl/sharedstrings.xml":
			limit = xlsxMaxStrings
		case strings.HasPrefix(name, "xl/worksheets/"):
			limit = xlsxMaxSheet
		}
		if f.UncompressedSize64 > limit {
			return nil, nil, nil, errXLSX
		}
	}
	sheet, err = firstSheet(parts)
	if err != nil {
		return nil, nil, nil, err
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/"))
		if f == sheet || xlsxParts[name] {
			if err := w.Copy(f); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, nil, nil, err
	}
	return buf.Bytes(), sheet, parts["xl/sharedstrings.xml"], nil
}

// zipEntries reads the number of entries from a zip's end-of-directory
// record. A zip64 directory (over 65,535 entries or 4 GiB) is no honest
// workbook of 20 MiB.
func zipEntries(b []byte) (int, bool) {
	// The record is 22 bytes and a comment of at most 65,535.
	from := max(0, len(b)-22-65535)
	i := bytes.LastIndex(b[from:], []byte("PK\x05\x06"))
	if i < 0 || from+i+22 > len(b) {
		return 0, false
	}
	n := binary.LittleEndian.Uint16(b[from+i+10:])
	return int(n), n != 0xFFFF
}

// firstSheet finds the part of the workbook's first sheet, as excelize
// does: the first <sheet> of xl/workbook.xml, through its relationship.
func firstSheet(parts map[string]*zip.File) (*zip.File, error) {
	var book struct {
		Sheets []struct {
			ID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := readXMLPart(parts["xl/workbook.xml"], &book); err != nil || len(book.Sheets) == 0 {
		return nil, errXLSX
	}
	if err := readXMLPart(parts["xl/_rels/workbook.xml.rels"], &rels); err != nil {
		return nil, err
	}
	for _, r := range rels.Rels {
		if r.ID != book.Sheets[0].ID {
			continue
		}
		target := strings.ToLower(strings.ReplaceAll(r.Target, "\\", "/"))
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join("xl", target)
		}
		if f := parts[target]; f != nil {
			return f, nil
		}
	}
	return nil, errXLSX
}

func readXMLPart(f *zip.File, v any) error {
	if f == nil {
		return errXLSX
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, xlsxMaxPart)).Decode(v)
}

// merged is a range of merged cells, by column and row from 1.
type merged struct {
	ref            string
	c1, r1, c2, r2 int
	top            string // the value of its top-left cell, the only one kept
}

// mergeRef is one <mergeCell ref="A2:A9"/>, with or without a namespace prefix.
var mergeRef = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?mergeCell\s+ref\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,7}(?::[A-Za-z]{1,3}[0-9]{1,7})?)["']`)

// Bounds on the shape of a part's XML, which Go's XML decoder (excelize's)
// would otherwise turn into memory: it holds a text or a tag whole, and a
// name for each open element. Excel's longest cell is 32,767 characters,
// and a sheet nests six deep.
const (
	xmlMaxRun   = 1 << 20
	xmlMaxDepth = 64
)

// xmlShape checks XML bytes as they stream by against xmlMaxRun and
// xmlMaxDepth. It refuses comments, CDATA and DOCTYPE ("<!"), which no
// spreadsheet writer puts in these parts and which could hide tags from it.
type xmlShape struct {
	run, depth    int
	inTag, quoted bool
	quote         byte
	first, prev   byte // the tag's first byte after '<', the byte before
	afterLT       bool
	err           error
}

var errXMLShape = errors.New("importer: XML too long or too deep")

func (x *xmlShape) Write(b []byte) (int, error) {
	if x.err != nil {
		return 0, x.err
	}
	for _, c := range b {
		x.run++
		if x.run > xmlMaxRun {
			x.err = errXMLShape
			return 0, x.err
		}
		switch {
		case !x.inTag:
			if c == '<' {
				x.inTag, x.afterLT, x.run = true, true, 0
			}
		case x.quoted:
			if c == x.quote {
				x.quoted = false
			}
		case x.afterLT:
			x.first, x.afterLT = c, false
			if c == '!' {
				x.err = errXMLShape
				return 0, x.err
			}
		case c == '"' || c == '\'':
			x.quoted, x.quote = true, c
		case c == '>':
			switch {
			case x.first == '/':
				x.depth--
			case x.first != '?' && x.prev != '/':
				if x.depth++; x.depth > xmlMaxDepth {
					x.err = errXMLShape
					return 0, x.err
				}
			}
			x.inTag, x.run = false, 0
		}
		x.prev = c
	}
	return len(b), nil
}

// checkPart streams a part through xmlShape.
func checkPart(f *zip.File) error {
	if f == nil {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(&xmlShape{}, rc)
	return err
}

// scanSheet checks a sheet's XML with xmlShape and reads its merged
// ranges. It scans the bytes rather than decode the XML: the ranges come
// after every row, and walking 100 MiB of rows with the XML decoder takes
// seconds, where the scan is about as fast as unzipping. ok is false past
// xlsxMaxMerged ranges.
func scanSheet(sheet *zip.File) (ranges []merged, ok bool, err error) {
	rc, err := sheet.Open()
	if err != nil {
		return nil, false, err
	}
	defer rc.Close()
	shape := &xmlShape{}
	// An element is at most about 60 bytes: one that starts within the
	// last keep bytes of the window may be cut, and is found again in the
	// next window, which starts with them.
	const keep = 128
	window := make([]byte, 0, 256<<10)
	for {
		n, rerr := io.ReadFull(rc, window[len(window):cap(window)])
		if _, err := shape.Write(window[len(window) : len(window)+n]); err != nil {
			return nil, false, err
		}
		window = window[:len(window)+n]
		end := rerr != nil
		cut := len(window)
		if !end {
			cut = max(0, len(window)-keep)
		}
		if bytes.Contains(window, []byte("mergeCell")) {
			for _, m := range mergeRef.FindAllSubmatchIndex(window, -1) {
				if m[0] >= cut {
					break
				}
				r, good := parseRange(string(window[m[2]:m[3]]))
				if !good {
					continue
				}
				if len(ranges) == xlsxMaxMerged {
					return nil, false, nil
				}
				ranges = append(ranges, r)
			}
		}
		if end {
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				rerr = nil
			}
			slices.SortFunc(ranges, func(a, b merged) int { return a.r1 - b.r1 })
			return ranges, true, rerr
		}
		window = window[:copy(window, window[cut:])]
	}
}

func parseRange(ref string) (merged, bool) {
	from, to, _ := strings.Cut(strings.ToUpper(ref), ":")
	if to == "" {
		to = from
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	c2, r2, err2 := excelize.CellNameToCoordinates(to)
	if err1 != nil || err2 != nil {
		return merged{}, false
	}
	return merged{ref: strings.ToUpper(ref), c1: min(c1, c2), r1: min(r1, r2), c2: max(c1, c2), r2: max(r1, r2)}, true
}

// readXLSX reads the first sheet of a workbook. A merged range down one
// column (a building's name over its rows) fills each of its rows with
// its value, as unmerging with "fill" in Excel does. Ranges across columns,
// and down from the header, are reported: whatever filling them meant
// would be a guess.
func readXLSX(content []byte, maxRows int) ([]sheetRow, []Problem) {
	slim, sheet, shared, err := slimXLSX(content)
	if err != nil {
		return nil, fileProblem(CodeUnreadable)
	}
	ranges, ok, err := scanSheet(sheet)
	if err == nil {
		err = checkPart(shared)
	}
	if err != nil {
		return nil, fileProblem(CodeUnreadable)
	}
	if !ok {
		return nil, []Problem{{Code: CodeMergedMany, Max: xlsxMaxMerged}}
	}
	f, err := excelize.OpenReader(bytes.NewReader(slim), excelize.Options{
		UnzipSizeLimit: xlsxMaxSheet + xlsxMaxStrings + 4*xlsxMaxPart, UnzipXMLSizeLimit: xlsxInMemory})
	if err != nil {
		return nil, fileProblem(CodeUnreadable)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileProblem(CodeEmpty)
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fileProblem(CodeUnreadable)
	}
	defer it.Close()
	var rows []sheetRow
	var probs []Problem
	var active []*merged
	next := 0
	// Next advances one spreadsheet row at a time, absent rows included.
	for line := 1; it.Next(); line++ {
		cells, err := it.Columns()
		if err != nil {
			return nil, fileProblem(CodeUnreadable)
		}
		active = slices.DeleteFunc(active, func(m *merged) bool { return m.r2 < line })
		for ; next < len(ranges) && ranges[next].r1 <= line; next++ {
			active = append(active, &ranges[next])
		}
		if len(active) > 0 {
			cells, probs = fillMerged(cells, line, active, len(rows) == 0, probs)
		}
		if blank(cells) {
			continue
		}
		if len(rows) >= maxRows {
			return nil, fileProblem(CodeTooManyRows)
		}
		rows = append(rows, sheetRow{line: line, cells: cleanCells(cells)})
	}
	if it.Error() != nil {
		return nil, fileProblem(CodeUnreadable)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	if len(rows) == 0 {
		return nil, fileProblem(CodeEmpty)
	}
	return rows, nil
}

// fillMerged gives the cells of row line under a merged range down one
// column the range's value, and reports ranges that are not that; header
// says no row has been read yet, so that a non-blank row is the header.
func fillMerged(cells []string, line int, active []*merged, header bool, probs []Problem) ([]string, []Problem) {
	for _, m := range active {
		if m.r1 == line {
			if m.c1 <= len(cells) {
				m.top = clean(cells[m.c1-1])
			}
			if m.top != "" && (m.c2 > m.c1 || (m.r2 > m.r1 && header && !blank(cells))) {
				probs = append(probs, Problem{Row: line, Code: CodeMergedCells, Value: m.ref})
				m.top = ""
			}
			continue
		}
		if m.top == "" || m.c2 > m.c1 {
			continue
		}
		for len(cells) < m.c1 {
			cells = append(cells, "")
		}
		if clean(cells[m.c1-1]) == "" {
			cells[m.c1-1] = m.top
		}
	}
	return cells, probs
}
