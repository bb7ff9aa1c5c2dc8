package importer

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// csvOf writes rows as a CSV file in UTF-8 without a byte-order mark.
func csvOf(t testing.TB, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gbk encodes UTF-8 text as Excel in China saves "CSV".
func gbk(t testing.TB, b []byte) []byte {
	t.Helper()
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// xlsxOf writes rows into the first sheet of a workbook; a nil row is left
// out, so that the sheet has a gap there. Cells that look like numbers are
// stored as numbers, as Excel does.
func xlsxOf(t testing.TB, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		if row == nil {
			continue
		}
		cells := make([]any, len(row))
		for j, v := range row {
			if n, err := strconv.ParseFloat(v, 64); err == nil && strconv.FormatFloat(n, 'f', -1, 64) == v && !strings.HasPrefix(v, "0") {
				cells[j] = n
			} else {
				cells[j] = v
			}
		}
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &cells); err != nil {
			t.Fatal(err)
		}
	}
	// A second sheet is not read.
	if _, err := f.NewSheet("Other"); err != nil {
		t.Fatal(err)
	}
	_ = f.SetCellValue("Other", "A1", "ignored")
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var sample = [][]string{
	{"楼栋", "单元", "楼层", "房号", "类型", "面积", "状态", "业主姓名", "业主电话", "关系"},
	{"1", "1", "15", "1501", "住宅", "89.5", "已入住", "张伟", "13800138000;021-62345678", "业主"},
	{"1", "1", "15", "1501", "住宅", "89.5", "已入住", "李娜", "13900139000", "家属"},
	{"1", "2", "3", "302", "", "120", "", "王芳", "", ""},
	{"商业楼", "", "1", "101", "商铺", "45.25", "空置", "", "", ""},
}

// Every encoding Excel writes reads the same.
func TestReadEncodingsAndFormats(t *testing.T) {
	utf8CSV := csvOf(t, sample)
	utf16 := func(b []byte) []byte {
		tsv := bytes.ReplaceAll(b, []byte(","), []byte("\t"))
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes(tsv)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for name, content := range map[string][]byte{
		"utf-8":         utf8CSV,
		"utf-8 bom":     append(append([]byte{}, bomUTF8...), utf8CSV...),
		"gbk":           gbk(t, utf8CSV),
		"gb18030":       must1(simplifiedchinese.GB18030.NewEncoder().Bytes(utf8CSV)),
		"utf-16 tsv":    utf16(utf8CSV),
		"semicolon csv": bytes.ReplaceAll(bytes.ReplaceAll(utf8CSV, []byte(";"), []byte("/")), []byte(","), []byte(";")),
		"xlsx":          xlsxOf(t, sample),
	} {
		t.Run(name, func(t *testing.T) {
			rep := &Report{}
			p := parse(content, rep)
			if rep.Count() != 0 {
				t.Fatalf("problems: %+v", rep.Problems)
			}
			if p.rows != 4 || len(p.records) != 4 {
				t.Fatalf("rows %d records %d", p.rows, len(p.records))
			}
			r := p.records[0]
			if r.building != "1" || r.entrance != "1" || r.floor != 15 || r.number != "1501" || r.kind != estate.Home || r.area != 8950 ||
				r.status != estate.Occupied || r.name != "张伟" || strings.Join(r.phones, ",") != "13800138000,02162345678" || r.relation != estate.OwnerRel {
				t.Errorf("first record %+v", r)
			}
			if r := p.records[3]; r.building != "商业楼" || r.kind != estate.Shop || r.area != 4525 || r.status != estate.Vacant {
				t.Errorf("last record %+v", r)
			}
			if r := p.records[2]; r.kind != estate.Home || r.status != estate.Vacant || r.relation != estate.OwnerRel {
				t.Errorf("defaults %+v", r)
			}
		})
	}
}

func must1[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Rows are numbered as a spreadsheet shows them, across blank lines,
// quoted cells that span lines, and rows missing from a workbook.
func TestRowNumbersAsInTheSpreadsheet(t *testing.T) {
	text := "building,floor,number,area\r\n" +
		"1,1,101,x\r\n" + // row 2
		"\r\n" + // row 3: blank
		"1,1,\"10\n2\",50\r\n" + // row 4, one cell over two lines
		",,,\r\n" + // row 5: empty cells
		"1,1,103,bad\r\n" // row 6
	rep := &Report{}
	parse([]byte(text), rep)
	var rows []int
	for _, p := range rep.Problems {
		rows = append(rows, p.Row)
	}
	if fmt.Sprint(rows) != "[2 4 6]" {
		t.Errorf("CSV problem rows %v, want [2 4 6]: %+v", rows, rep.Problems)
	}

	book := xlsxOf(t, [][]string{
		{"building", "floor", "number", "area"},
		{"1", "1", "101", "x"},
		nil, // row 3 absent
		{"1", "1", "103", "bad"},
	})
	rep = &Report{}
	parse(book, rep)
	rows = nil
	for _, p := range rep.Problems {
		rows = append(rows, p.Row)
	}
	if fmt.Sprint(rows) != "[2 4]" {
		t.Errorf("XLSX problem rows %v, want [2 4]: %+v", rows, rep.Problems)
	}
}

// Headers in either language, in any order, with decorations.
func TestHeaders(t *testing.T) {
	rep := &Report{}
	h, ok := parseHeader([]string{"面积（㎡）", "Building", "房号*", "楼层", "备注", "Owner Phone"}, rep)
	if !ok || rep.Count() != 0 {
		t.Fatalf("header refused: %+v", rep.Problems)
	}
	if h.index[colArea] != 0 || h.index[colBuilding] != 1 || h.index[colNumber] != 2 || h.index[colFloor] != 3 || h.index[colOwnerPhone] != 5 {
		t.Errorf("index %v", h.index)
	}
	if len(rep.Ignored) != 1 || rep.Ignored[0] != "备注" {
		t.Errorf("ignored %v", rep.Ignored)
	}
	// A missing column is named in the header's own language.
	for header, want := range map[string]string{"楼栋,楼层,房号": "面积", "building,floor,number": "area"} {
		rep := &Report{}
		if _, ok := parseHeader(strings.Split(header, ","), rep); ok || len(rep.Problems) != 1 ||
			rep.Problems[0].Code != CodeMissingColumn || rep.Problems[0].Column != want || rep.Problems[0].Row != 1 {
			t.Errorf("%s: %+v", header, rep.Problems)
		}
	}
	rep = &Report{}
	if _, ok := parseHeader([]string{"楼栋", "楼层", "房号", "面积", "building"}, rep); ok || rep.Problems[0].Code != CodeDuplicateColumn || rep.Problems[0].Column != "building" {
		t.Errorf("duplicate column: %+v", rep.Problems)
	}
}

// Each bad cell is reported with its row, its column as the file names it,
// and a reason.
func TestRowProblems(t *testing.T) {
	head := []string{"楼栋", "单元", "楼层", "房号", "类型", "面积", "状态", "业主姓名", "业主电话", "关系"}
	ok := []string{"1", "1", "15", "1501", "住宅", "89.5", "已入住", "张伟", "13800138000", "业主"}
	with := func(c column, v string) []string {
		row := append([]string{}, ok...)
		row[c] = v
		return row
	}
	cases := []struct {
		name   string
		row    []string
		code   string
		column string
		value  string
	}{
		{"no building", with(colBuilding, ""), CodeRequired, "楼栋", ""},
		{"building with dash", with(colBuilding, "1-2"), CodeInvalidBuilding, "楼栋", "1-2"},
		{"long entrance", with(colEntrance, "一二三四五六七八九十一"), CodeInvalidEntrance, "单元", "一二三四五六七八九十一"},
		{"no floor", with(colFloor, ""), CodeRequired, "楼层", ""},
		{"floor zero", with(colFloor, "0"), CodeInvalidFloor, "楼层", "0"},
		{"floor text", with(colFloor, "顶层"), CodeInvalidFloor, "楼层", "顶层"},
		{"no number", with(colNumber, ""), CodeRequired, "房号", ""},
		{"number with comma", with(colNumber, "15,01"), CodeInvalidNumber, "房号", "15,01"},
		{"bad kind", with(colKind, "别墅"), CodeInvalidKind, "类型", "别墅"},
		{"no area", with(colArea, ""), CodeRequired, "面积", ""},
		{"three decimals", with(colArea, "89.555"), CodeInvalidArea, "面积", "89.555"},
		{"negative area", with(colArea, "-3"), CodeInvalidArea, "面积", "-3"},
		{"area words", with(colArea, "九十"), CodeInvalidArea, "面积", "九十"},
		{"bad status", with(colStatus, "出售"), CodeInvalidStatus, "状态", "出售"},
		{"long name", with(colOwnerName, strings.Repeat("张", 51)), CodeInvalidName, "业主姓名", strings.Repeat("张", 49) + "…"},
		{"bad phone", with(colOwnerPhone, "12345"), CodeInvalidPhone, "业主电话", "12345"},
		{"one bad phone of two", with(colOwnerPhone, "13800138000/1380013800x"), CodeInvalidPhone, "业主电话", "1380013800x"},
		{"six phones", with(colOwnerPhone, "13800000001;13800000002;13800000003;13800000004;13800000005;13800000006"), CodeTooManyPhones, "业主电话", ""},
		{"phone without name", with(colOwnerName, ""), CodeNameRequired, "业主姓名", ""},
		{"bad relation", with(colRelation, "朋友"), CodeInvalidRelation, "关系", "朋友"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := &Report{}
			p := parse(csvOf(t, [][]string{head, ok, c.row}), rep)
			if len(rep.Problems) != 1 {
				t.Fatalf("problems %+v", rep.Problems)
			}
			got := rep.Problems[0]
			if got.Row != 3 || got.Code != c.code || got.Column != c.column || (c.value != "" && got.Value != c.value) {
				t.Errorf("got %+v, want row 3 %s %s %q", got, c.code, c.column, c.value)
			}
			if len(p.records) != 1 {
				t.Errorf("the bad row was kept: %d records", len(p.records))
			}
		})
	}
}

func TestValuesAccepted(t *testing.T) {
	for in, want := range map[string]int{"15": 15, "15层": 15, "15F": 15, "-1": -1, "B2": -2, "负1": -1, "200": 200, "3.0": 3} {
		if got, ok := parseFloor(in); !ok || got != want {
			t.Errorf("floor %q = %d %v", in, got, ok)
		}
	}
	for _, in := range []string{"0", "201", "-6", "B0", "B-1", "x"} {
		if _, ok := parseFloor(in); ok {
			t.Errorf("floor %q accepted", in)
		}
	}
	for in, want := range map[string]estate.Area{"89.549999999999997": 8955, "1,234.50": 123450, "89.5㎡": 8950, "0": 0} {
		if got, ok := parseArea(in); !ok || got != want {
			t.Errorf("area %q = %v %v", in, got, ok)
		}
	}
	for _, in := range []string{"-0.5", "-0", "-0.0", "+89.5", "89.+5", "1e3", "-89.549999999999997", "NaN", "Inf"} {
		if got, ok := parseArea(in); ok {
			t.Errorf("area %q accepted as %v", in, got)
		}
	}
	if got := splitPhones("138 0013 8000；139-0013-9000 / 021 6234 5678、"); len(got) != 3 {
		t.Errorf("phones %q", got)
	}
}

// A unit may take several rows, one per person; a row that adds no one, or
// disagrees with the first row about the unit, is refused.
func TestRepeatedUnits(t *testing.T) {
	head := []string{"building", "floor", "number", "area", "kind", "owner_name", "relation"}
	rep := &Report{}
	p := parse(csvOf(t, [][]string{head,
		{"1", "15", "1501", "89.5", "home", "Zhang", "owner"},
		{"1", "15", "1501", "89.5", "", "Li", "family"},   // adds Li
		{"1", "15", "1501", "89.5", "home", "", ""},       // row 4: duplicate
		{"1", "15", "1501", "90", "home", "Wang", ""},     // row 5: conflict (area)
		{"1", "15", "1501", "89.5", "shop", "Zhao", ""},   // row 6: conflict (kind)
		{"1", "15", "1501", "89.5", "", "Zhang", "owner"}, // row 7: duplicate person
	}), rep)
	want := []struct {
		row    int
		code   string
		column string
	}{{4, CodeDuplicateUnit, "number"}, {5, CodeUnitConflict, "area"}, {6, CodeUnitConflict, "kind"}, {7, CodeDuplicateUnit, "number"}}
	if len(rep.Problems) != len(want) {
		t.Fatalf("problems %+v", rep.Problems)
	}
	for i, w := range want {
		if g := rep.Problems[i]; g.Row != w.row || g.Code != w.code || g.Column != w.column || g.FirstRow != 2 {
			t.Errorf("problem %d = %+v, want %+v", i, g, w)
		}
	}
	if len(p.records) != 2 {
		t.Errorf("records %d, want 2", len(p.records))
	}
}

func TestFileProblems(t *testing.T) {
	big := [][]string{{"building", "floor", "number", "area"}}
	for i := range MaxRows + 1 {
		big = append(big, []string{"1", "1", fmt.Sprint(i), "1"})
	}
	for name, c := range map[string]struct {
		content []byte
		code    string
	}{
		"empty":         {[]byte("  \r\n"), CodeEmpty},
		"header only":   {[]byte("楼栋,楼层,房号,面积\r\n,,,\r\n"), CodeEmpty},
		"xls":           {append(append([]byte{}, oleMagic...), 0, 0, 0), CodeXLS},
		"binary":        {[]byte{0x00, 0x01, 0x02, 0xff, 0xfe, 0x00}, CodeUnreadable},
		"broken xlsx":   {[]byte("PK\x03\x04garbage"), CodeUnreadable},
		"too many rows": {csvOf(t, big), CodeTooManyRows},
		"too large":     {bytes.Repeat([]byte("a"), MaxFileBytes+1), CodeTooLarge},
	} {
		rep := &Report{}
		p := parse(c.content, rep)
		if len(rep.Problems) != 1 || rep.Problems[0].Code != c.code || rep.Problems[0].Row != 0 || len(p.records) != 0 {
			t.Errorf("%s: %+v", name, rep.Problems)
		}
	}
}

// The templates read back without a problem, in both languages and formats.
func TestTemplatesReadBack(t *testing.T) {
	tr := func(id string) string { return id }
	for _, lang := range []string{"zh-CN", "en"} {
		for _, format := range []string{CSV, XLSX} {
			b, err := Template(lang, format, tr)
			if err != nil {
				t.Fatal(err)
			}
			rep := &Report{}
			p := parse(b, rep)
			if rep.Count() != 0 || len(rep.Ignored) != 0 || p.rows != 3 || len(p.records) != 3 {
				t.Errorf("%s %s: %d rows, %+v", lang, format, p.rows, rep)
			}
			if p.header.zh != (lang == "zh-CN") {
				t.Errorf("%s %s: header language", lang, format)
			}
		}
	}
}

func TestReportKeepsAtMostMaxProblems(t *testing.T) {
	rep := &Report{}
	for range MaxProblems + 5 {
		rep.add(Problem{Code: CodeRequired})
	}
	if len(rep.Problems) != MaxProblems || rep.More != 5 || rep.Count() != MaxProblems+5 {
		t.Errorf("kept %d, more %d", len(rep.Problems), rep.More)
	}
}

// Old Mac and some Excel exports end lines with a lone CR; encoding/csv
// keeps it as data, which made the whole file one header row.
func TestCROnlyLineEnds(t *testing.T) {
	crlf := csvOf(t, sample)
	for name, content := range map[string][]byte{
		"cr":        bytes.ReplaceAll(crlf, []byte("\r\n"), []byte("\r")),
		"cr gbk":    gbk(t, bytes.ReplaceAll(crlf, []byte("\r\n"), []byte("\r"))),
		"mixed":     bytes.Replace(crlf, []byte("\r\n"), []byte("\r"), 2),
		"cr at end": append(bytes.ReplaceAll(bytes.TrimRight(crlf, "\r\n"), []byte("\r\n"), []byte("\r")), '\r'),
	} {
		rep := &Report{}
		p := parse(content, rep)
		if rep.Count() != 0 || p.rows != 4 || len(p.records) != 4 || p.records[3].building != "商业楼" || p.records[3].row != 5 {
			t.Errorf("%s: %d rows, %+v", name, p.rows, rep.Problems)
		}
	}
	// Row numbers still count lines.
	rep := &Report{}
	parse([]byte("building,floor,number,area\r1,1,101,80\r\r1,1,102,x\r"), rep)
	if len(rep.Problems) != 1 || rep.Problems[0].Row != 4 {
		t.Errorf("problems %+v, want one on row 4", rep.Problems)
	}
}

// A CSV file with rows in UTF-8 and rows in GBK (pasted from another
// file) was decoded whole as GB18030, storing the UTF-8 names garbled.
// It is refused, naming the rows in the other encoding.
func TestMixedEncodingsRefused(t *testing.T) {
	line := func(cells ...string) []byte { return csvOf(t, [][]string{cells}) }
	head := line("楼栋", "楼层", "房号", "面积", "业主姓名")
	headEN := line("building", "floor", "number", "area", "owner_name")
	u1, u2, u3 := line("1", "1", "101", "80", "张伟"), line("1", "1", "102", "80", "李娜"), line("1", "1", "103", "80", "王芳")
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name    string
		content []byte
		rows    []int
		value   string
	}{
		{"utf-8 header, one gbk row", join(head, u1, gbk(t, u2)), []int{3}, "GBK"},
		{"gbk header, one utf-8 row", join(gbk(t, head), gbk(t, u1), u2, gbk(t, u3)), []int{3}, "UTF-8"},
		{"english header, gbk majority", join(headEN, gbk(t, u1), u2, gbk(t, u3)), []int{3}, "UTF-8"},
		{"english header, utf-8 majority", join(headEN, u1, gbk(t, u2), u3), []int{3}, "GBK"},
		{"utf-8 bom, one gbk row", join(bomUTF8, head, u1, gbk(t, u2), gbk(t, u3)), []int{3, 4}, "GBK"},
	}
	for _, c := range cases {
		rep := &Report{}
		parse(c.content, rep)
		var rows []int
		for _, p := range rep.Problems {
			if p.Code != CodeMixedEncoding || p.Value != c.value {
				t.Errorf("%s: %+v", c.name, p)
			}
			rows = append(rows, p.Row)
		}
		if fmt.Sprint(rows) != fmt.Sprint(c.rows) {
			t.Errorf("%s: rows %v, want %v (%+v)", c.name, rows, c.rows, rep.Problems)
		}
	}
	// GBK words that happen to be valid UTF-8 (住宅 is two Hebrew and
	// Armenian letters) do not make a GBK file mixed.
	rep := &Report{}
	p := parse(gbk(t, csvOf(t, [][]string{{"楼栋", "楼层", "房号", "面积", "类型", "业主姓名"}, {"1", "1", "101", "80", "住宅", ""}, {"1", "1", "102", "80", "住宅", "张伟"}})), rep)
	if rep.Count() != 0 || len(p.records) != 2 || p.records[1].name != "张伟" {
		t.Errorf("gbk with a row that is valid UTF-8: %+v", rep.Problems)
	}
}

// A name is one line of plain text: line breaks and escape codes are
// refused, and shown harmlessly in the report.
func TestControlCharactersInNames(t *testing.T) {
	head := []string{"楼栋", "楼层", "房号", "面积", "业主姓名"}
	for _, name := range []string{"张\n伟", "张\r\n伟", "\x1b[31m张伟\x1b[0m", "张伟\a", "张\u0085伟"} {
		rep := &Report{}
		p := parse(csvOf(t, [][]string{head, {"1", "1", "101", "80", name}}), rep)
		if len(rep.Problems) != 1 || rep.Problems[0].Code != CodeInvalidName || len(p.records) != 0 {
			t.Errorf("%q: %+v", name, rep.Problems)
			continue
		}
		if v := rep.Problems[0].Value; strings.IndexFunc(v, unicode.IsControl) >= 0 || !strings.Contains(v, "\uFFFD") {
			t.Errorf("%q reported as %q", name, v)
		}
	}
}
