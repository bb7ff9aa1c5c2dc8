package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

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
// with more is refused whole. Problems refuse the file: one with Row 0
// for the file as a whole, or one per row or merged range at fault.
func readRows(content []byte, maxRows int) ([]sheetRow, []Problem) {
	switch {
	case len(bytes.TrimSpace(content)) == 0:
		return nil, fileProblem(CodeEmpty)
	case bytes.HasPrefix(content, zipMagic):
		return readXLSX(content, maxRows)
	case bytes.HasPrefix(content, oleMagic):
		return nil, fileProblem(CodeXLS)
	}
	text, probs := decodeText(content)
	if probs != nil {
		return nil, probs
	}
	return readCSV(text, maxRows)
}

func fileProblem(code string) []Problem {
	p := Problem{Code: code}
	if code == CodeTooManyRows {
		p.Max = MaxRows
	}
	return []Problem{p}
}

// decodeText turns a CSV file into UTF-8. Excel in China saves "CSV" in
// GBK and "CSV UTF-8" with a byte-order mark, "Unicode text" in UTF-16; a
// file that is valid UTF-8 is taken as UTF-8 (GBK text is practically never
// valid UTF-8), anything else as GB18030, the superset of GBK and GB2312.
// A file whose lines are in both (rows pasted from another file) is
// refused, naming the lines in the other encoding: decoded either way,
// some of its names would be stored garbled.
func decodeText(b []byte) ([]byte, []Problem) {
	var out []byte
	var err error
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		out = b[len(bomUTF8):]
		if !utf8.Valid(out) {
			if probs := mixedEncoding(out, true); probs != nil {
				return nil, probs
			}
			return nil, fileProblem(CodeUnreadable)
		}
	case bytes.HasPrefix(b, bomUTF16LE):
		out, _, err = transform.Bytes(xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder(), b)
	case bytes.HasPrefix(b, bomUTF16BE):
		out, _, err = transform.Bytes(xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder(), b)
	case utf8.Valid(b):
		out = b
	default:
		if probs := mixedEncoding(b, false); probs != nil {
			return nil, probs
		}
		out, _, err = transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), b)
	}
	// NUL never occurs in a text file: this is some other binary format.
	if err != nil || bytes.IndexByte(out, 0) >= 0 {
		return nil, fileProblem(CodeUnreadable)
	}
	return out, nil
}

// maxMixedRows is how many rows in another encoding a report names; the
// file is refused whole, so the first few show the user what happened.
const maxMixedRows = 100

// mixedEncoding finds the lines of a file that is not valid UTF-8 as a
// whole which are in another encoding than the rest. A line is UTF-8 when
// it is valid UTF-8 with a character of three bytes or more (Chinese
// text, full-width punctuation, ㎡); a GBK line is practically never that,
// though short GBK words can pass for two-byte UTF-8 letters (住宅 does),
// so such lines count for neither side. A line that is not valid UTF-8 is
// GBK. The file's encoding is the header's, or the majority's when the
// header is plain ASCII; utf8File says it is UTF-8 (a byte-order mark).
// It returns nil when every line is in the file's encoding.
func mixedEncoding(b []byte, utf8File bool) []Problem {
	var asUTF8, asGBK []int
	header := ""
	eachLine(b, func(n int, line []byte) {
		kind := ""
		switch {
		case !utf8.Valid(line):
			kind, asGBK = "GBK", append(asGBK, n)
		case wideRune(line):
			kind, asUTF8 = "UTF-8", append(asUTF8, n)
		}
		if header == "" && len(bytes.TrimSpace(line)) > 0 {
			header = "ASCII"
			if kind != "" {
				header = kind
			}
		}
	})
	if len(asGBK) == 0 || (len(asUTF8) == 0 && !utf8File) {
		return nil
	}
	other, enc := asUTF8, "UTF-8"
	if utf8File || header == "UTF-8" || (header != "GBK" && len(asUTF8) > len(asGBK)) {
		other, enc = asGBK, "GBK"
	}
	probs := make([]Problem, 0, min(len(other), maxMixedRows))
	for _, n := range other[:min(len(other), maxMixedRows)] {
		probs = append(probs, Problem{Row: n, Code: CodeMixedEncoding, Value: enc})
	}
	return probs
}

// wideRune reports whether valid UTF-8 text has a character of three bytes
// or more.
func wideRune(b []byte) bool {
	for _, c := range b {
		if c >= 0xE0 {
			return true
		}
	}
	return false
}

// eachLine calls fn with each line of b and its number from 1: "\r\n",
// "\n" and a lone "\r" each end a line.
func eachLine(b []byte, fn func(n int, line []byte)) {
	for n := 1; len(b) > 0; n++ {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			fn(n, b)
			return
		}
		fn(n, b[:i])
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
		b = b[i+1:]
	}
}

// unixLines turns each lone "\r" (the line end of old Mac and some Excel
// exports, which encoding/csv keeps as data) into "\n"; "\r\n" stays.
// It copies only a text that has one.
func unixLines(text []byte) []byte {
	var out []byte
	for i, c := range text {
		if c == '\r' && (i+1 == len(text) || text[i+1] != '\n') {
			if out == nil {
				out = bytes.Clone(text)
			}
			out[i] = '\n'
		}
	}
	if out == nil {
		return text
	}
	return out
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

func readCSV(text []byte, maxRows int) ([]sheetRow, []Problem) {
	text = unixLines(text)
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
			return nil, fileProblem(CodeUnreadable)
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
			return nil, fileProblem(CodeTooManyRows)
		}
		rows = append(rows, sheetRow{line: row, cells: cleanCells(rec)})
	}
	if len(rows) == 0 {
		return nil, fileProblem(CodeEmpty)
	}
	return rows, nil
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
