package importer

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// record is one valid data row: a unit and, optionally, one person linked
// to it. A unit with several people takes several rows that repeat the
// unit's cells.
type record struct {
	row                        int
	building, entrance, number string
	floor                      int
	kind                       estate.UnitKind
	area                       estate.Area
	status                     estate.UnitStatus
	kindSet, statusSet         bool
	name                       string
	phones                     []string
	relation                   estate.Relation
}

// unitKey names a unit of the file. Keys of this kind, rather than the
// parts joined into one string, keep the maps of a 100,000-row import from
// allocating a string per row: they point at the cells' own.
type unitKey struct{ building, entrance, number string }

func (r *record) unitKey() unitKey { return unitKey{r.building, r.entrance, r.number} }

// personKey is a person the file links to a unit, by name and relation.
type personKey struct {
	unit     unitKey
	name     string
	relation estate.Relation
}

// parsed is a file read and checked on its own, before the database is
// consulted.
type parsed struct {
	header  *header
	records []record // the rows without problems
	// unchecked are rows with problems whose building is still worth
	// checking against the database, so that one pass reports everything.
	unchecked []record
	rows      int // data rows, valid or not
}

// parse reads a file and checks every cell of every row, adding each
// problem to rep. A file-level problem stops it; row problems do not.
func parse(content []byte, rep *Report) *parsed {
	p := &parsed{}
	if len(content) > MaxFileBytes {
		rep.add(Problem{Code: CodeTooLarge, Max: MaxFileBytes >> 20})
		return p
	}
	rows, probs := readRows(content, MaxRows+1)
	if len(probs) > 0 {
		for _, pr := range probs {
			rep.add(pr)
		}
		return p
	}
	h, ok := parseHeader(rows[0].cells, rep)
	p.header = h
	if !ok {
		return p
	}
	p.rows = len(rows) - 1
	if p.rows == 0 {
		rep.add(Problem{Code: CodeEmpty})
		return p
	}
	// Sized once: growing them by appends would leave their old copies,
	// megabytes for a large file, for the collector.
	p.records = make([]record, 0, p.rows)
	first := make(map[unitKey]int, p.rows)     // unit → index in records of its first row
	people := make(map[personKey]bool, p.rows) // unit, name and relation already in the file
	for _, row := range rows[1:] {
		rec, ok := parseRow(h, row, rep)
		if !ok {
			if rec.building != "" && validPart(rec.building, 30) {
				p.unchecked = append(p.unchecked, rec)
			}
			continue
		}
		key := rec.unitKey()
		i, seen := first[key]
		if !seen {
			first[key] = len(p.records)
			if rec.name != "" {
				people[personKey{key, rec.name, rec.relation}] = true
			}
			p.records = append(p.records, rec)
			continue
		}
		f := &p.records[i]
		if c, differs := conflict(f, &rec); differs {
			rep.add(Problem{Row: rec.row, Column: h.name(c), Code: CodeUnitConflict, FirstRow: f.row})
			continue
		}
		who := personKey{key, rec.name, rec.relation}
		if rec.name == "" || people[who] {
			rep.add(Problem{Row: rec.row, Column: h.name(colNumber), Code: CodeDuplicateUnit, Value: rec.number, FirstRow: f.row})
			continue
		}
		people[who] = true
		// The unit is the first row's; this row only adds a person.
		rec.floor, rec.kind, rec.area, rec.status = f.floor, f.kind, f.area, f.status
		p.records = append(p.records, rec)
	}
	return p
}

// conflict compares a later row of a unit with its first row. An empty
// kind or status in the later row means "as above".
func conflict(first, later *record) (column, bool) {
	switch {
	case later.floor != first.floor:
		return colFloor, true
	case later.area != first.area:
		return colArea, true
	case later.kindSet && later.kind != first.kind:
		return colKind, true
	case later.statusSet && later.status != first.status:
		return colStatus, true
	}
	return 0, false
}

// parseRow checks one data row; every bad cell is a problem.
func parseRow(h *header, row sheetRow, rep *Report) (record, bool) {
	rec := record{row: row.line, kind: estate.Home, status: estate.Vacant, relation: estate.OwnerRel}
	ok := true
	get := func(c column) string {
		i := h.index[c]
		if i < 0 || i >= len(row.cells) {
			return ""
		}
		return row.cells[i]
	}
	bad := func(c column, code, value string) {
		rep.add(Problem{Row: row.line, Column: h.name(c), Code: code, Value: shorten(value)})
		ok = false
	}

	switch rec.building = get(colBuilding); {
	case rec.building == "":
		bad(colBuilding, CodeRequired, "")
	case !validPart(rec.building, 30):
		bad(colBuilding, CodeInvalidBuilding, rec.building)
	}
	// An entrance has no spaces either, as where units are added by range.
	if rec.entrance = get(colEntrance); rec.entrance != "" && (!validPart(rec.entrance, 10) || strings.ContainsRune(rec.entrance, ' ')) {
		bad(colEntrance, CodeInvalidEntrance, rec.entrance)
	}
	if s := get(colFloor); s == "" {
		bad(colFloor, CodeRequired, "")
	} else if f, good := parseFloor(s); !good {
		bad(colFloor, CodeInvalidFloor, s)
	} else {
		rec.floor = f
	}
	switch rec.number = get(colNumber); {
	case rec.number == "":
		bad(colNumber, CodeRequired, "")
	case !validPart(rec.number, 20):
		bad(colNumber, CodeInvalidNumber, rec.number)
	}
	if s := get(colKind); s != "" {
		if k, known := kindWords[strings.ToLower(s)]; known {
			rec.kind, rec.kindSet = k, true
		} else {
			bad(colKind, CodeInvalidKind, s)
		}
	}
	if s := get(colArea); s == "" {
		bad(colArea, CodeRequired, "")
	} else if a, good := parseArea(s); !good {
		bad(colArea, CodeInvalidArea, s)
	} else {
		rec.area = a
	}
	if s := get(colStatus); s != "" {
		if st, known := statusWords[strings.ToLower(s)]; known {
			rec.status, rec.statusSet = st, true
		} else {
			bad(colStatus, CodeInvalidStatus, s)
		}
	}
	// A name is one line of plain text: a quoted CSV cell can hold line
	// breaks, and any cell escape codes (ESC, BEL) that would garble a
	// terminal or a printed notice.
	if rec.name = get(colOwnerName); utf8.RuneCountInString(rec.name) > 50 || strings.IndexFunc(rec.name, unicode.IsControl) >= 0 {
		bad(colOwnerName, CodeInvalidName, rec.name)
	}
	if s := get(colOwnerPhone); s != "" {
		for _, part := range splitPhones(s) {
			n := estate.NormalizePhone(part)
			if !plausiblePhone(n) {
				bad(colOwnerPhone, CodeInvalidPhone, part)
				continue
			}
			if !contains(rec.phones, n) {
				rec.phones = append(rec.phones, n)
			}
		}
		if len(rec.phones) > 5 {
			bad(colOwnerPhone, CodeTooManyPhones, s)
		}
		if rec.name == "" {
			bad(colOwnerName, CodeNameRequired, "")
		}
	}
	if s := get(colRelation); s != "" {
		if r, known := relationWords[strings.ToLower(s)]; known {
			rec.relation = r
		} else {
			bad(colRelation, CodeInvalidRelation, s)
		}
	}
	return rec, ok
}

// plausiblePhone: a number NormalizePhone accepts, and if it starts with 1
// a whole mobile number (11 digits): a digit dropped or doubled while
// typing a mobile number is the commonest error in these sheets.
func plausiblePhone(n string) bool {
	return n != "" && (n[0] != '1' || len(n) == 11)
}

// validPart: a building name, entrance or number joins the others with "-"
// into the unit's code (3-2-1502), so it may not contain one; nor a line
// break or other control character, which a quoted CSV cell can hold.
func validPart(s string, maxRunes int) bool {
	return utf8.RuneCountInString(s) <= maxRunes && !strings.ContainsAny(s, "-,，") &&
		strings.IndexFunc(s, unicode.IsControl) < 0
}

// parseFloor reads "15", "15层", "15F", "-1", "B1" or "负1"; floors run
// from -5 to 200 and there is no floor 0.
func parseFloor(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, suf := range []string{"层", "楼", "f"} {
		s = strings.TrimSuffix(s, suf)
	}
	s = strings.TrimSuffix(s, ".0")
	neg := false
	for _, pre := range []string{"b", "负", "地下"} {
		if strings.HasPrefix(s, pre) {
			s, neg = strings.TrimPrefix(s, pre), true
		}
	}
	f, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	if neg {
		if f <= 0 {
			return 0, false
		}
		f = -f
	}
	return f, f != 0 && f >= -5 && f <= 200
}

var (
	groupedNumber = regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d*)?$`)
	// binaryNumber is how a spreadsheet's float comes back: digits, a
	// point, digits; no sign, no exponent (ParseFloat takes "-0", "+5"
	// and "1e3").
	binaryNumber = regexp.MustCompile(`^\d+\.\d+$`)
)

// parseArea reads square metres with at most two decimals. Spreadsheets
// store numbers in binary, so a cell showing 89.55 may come back as
// 89.549999999999997; such a value is taken as the two-decimal number it
// is a hair away from, while a true third decimal is still refused.
func parseArea(s string) (estate.Area, bool) {
	if groupedNumber.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	if a, err := estate.ParseArea(s); err == nil {
		return a, true
	}
	s = strings.TrimSpace(s)
	if !binaryNumber.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v > 1_000_000 {
		return 0, false
	}
	c := math.Round(v * 100)
	if math.Abs(v*100-c) > 1e-6 {
		return 0, false
	}
	return estate.Area(c), true
}

// splitPhones separates the numbers of one cell: ";", "/", "、" or a
// comma, half- or full-width. Spaces stay: they group the digits of one
// number.
func splitPhones(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ';', '；', '/', '／', '、', ',', '，', '\n':
			return true
		}
		return false
	})
	out := parts[:0]
	for _, p := range parts {
		if p = clean(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// shorten keeps a reported value readable, and harmless on a terminal:
// control characters show as U+FFFD.
func shorten(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return utf8.RuneError
			}
			return r
		}, s)
	}
	if utf8.RuneCountInString(s) <= 50 {
		return s
	}
	r := []rune(s)
	return string(r[:49]) + "…"
}
