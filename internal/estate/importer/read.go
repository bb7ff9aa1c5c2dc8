package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sheetRow is one row of the file that is not blank, numbered as a
// spreadsheet numbers it (the first row is 1).
type sheetRow struct {
	line  int
	cells []string
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	zipMagic   = []byte("PK\x03\x04")
	// oleMagic starts the legacy binary formats (.xls) that Excel 97–2003 wrote.
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// readRows reads the first sheet of an XLSX workbook or a CSV file into its
// non-blank rows, at most maxRows of them (the header included); a file
// with more is refused whole. The code names a problem of the file.
func readRows(content []byte, maxRows int) ([]sheetRow, string) {
	switch {
	case len(bytes.TrimSpace(content)) == 0:
		return nil, CodeEmpty
	case bytes.HasPrefix(content, zipMagic):
		return readXLSX(content, maxRows)
	case bytes.HasPrefix(content, oleMagic):
		return nil, CodeXLS
	}
	text, ok := decodeText(content)
	if !ok {
		return nil, CodeUnreadable
	}
	return readCSV(text, maxRows)
}

// decodeText turns a CSV file into UTF-8. Excel in China saves "CSV" in
// GBK and "CSV UTF-8" with a byte-order mark, "Unicode text" in UTF-16; a
// file that is valid UTF-8 is taken as UTF-8 (GBK text is practically never
// valid UTF-8), anything else as GB18030, the superset of GBK and GB2312.
func decodeText(b []byte) ([]byte, bool) {
	var out []byte
	var err error
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		out = b[len(bomUTF8):]
		if !utf8.Valid(out) {
			return nil, false
		}
	case bytes.HasPrefix(b, bomUTF16LE):
		out, _, err = transform.Bytes(xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder(), b)
	case bytes.HasPrefix(b, bomUTF16BE):
		out, _, err = transform.Bytes(xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder(), b)
	case utf8.Valid(b):
		out = b
	default:
		out, _, err = transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), b)
	}
	// NUL never occurs in a text file: this is some other binary format.
	if err != nil || bytes.IndexByte(out, 0) >= 0 {
		return nil, false
	}
	return out, true
}

// delimiter guesses the separator from the header line: a comma, or the tab
// of Excel's "Unicode text", or the semicolon of locales that write decimal
// commas.
func delimiter(text []byte) rune {
	line := text
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		line = text[:i]
	}
	best, n := ',', bytes.Count(line, []byte{','})
	for _, d := range []rune{'\t', ';'} {
		if c := bytes.Count(line, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

func readCSV(text []byte, maxRows int) ([]sheetRow, string) {
	r := csv.NewReader(bytes.NewReader(text))
	r.Comma = delimiter(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows []sheetRow
	// A spreadsheet numbers records, not lines: a quoted cell may span
	// lines, and the reader skips blank lines silently. So the row of a
	// record is the previous row + 1 + the blank lines between them.
	row, prevEnd, linesBefore := 0, int64(0), 0
	counted := int64(0)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, CodeUnreadable
		}
		start, _ := r.FieldPos(0)
		linesBefore += bytes.Count(text[counted:prevEnd], []byte{'\n'})
		counted = prevEnd
		row += 1 + max(0, start-1-linesBefore)
		prevEnd = r.InputOffset()
		if blank(rec) {
			continue
		}
		if len(rows) >= maxRows {
			return nil, CodeTooManyRows
		}
		rows = append(rows, sheetRow{line: row, cells: cleanCells(rec)})
	}
	if len(rows) == 0 {
		return nil, CodeEmpty
	}
	return rows, ""
}

func readXLSX(content []byte, maxRows int) ([]sheetRow, string) {
	// The limits keep a zip bomb from filling memory or disk.
	f, err := excelize.OpenReader(bytes.NewReader(content), excelize.Options{UnzipSizeLimit: 512 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return nil, CodeUnreadable
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, CodeEmpty
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, CodeUnreadable
	}
	defer it.Close()
	var rows []sheetRow
	// Next advances one spreadsheet row at a time, absent rows included.
	for line := 1; it.Next(); line++ {
		cells, err := it.Columns()
		if err != nil {
			return nil, CodeUnreadable
		}
		if blank(cells) {
			continue
		}
		if len(rows) >= maxRows {
			return nil, CodeTooManyRows
		}
		rows = append(rows, sheetRow{line: line, cells: cleanCells(cells)})
	}
	if it.Error() != nil {
		return nil, CodeUnreadable
	}
	if len(rows) == 0 {
		return nil, CodeEmpty
	}
	return rows, ""
}

func blank(cells []string) bool {
	for _, c := range cells {
		if clean(c) != "" {
			return false
		}
	}
	return true
}

func cleanCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = clean(c)
	}
	return out
}

// clean trims spaces, full-width ones (U+3000) included, and stray
// byte-order marks.
func clean(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B' })
}
