// Package pdf renders the fee module's printed documents — receipts
// (收款收据), statements (对账单) and reminder letters (催缴通知书) — with
// Chinese text, on go-pdf/fpdf and an embedded CJK TrueType face, so the
// binary needs no font on the machine. Callers hand it plain views (names,
// amounts in fen) and a translator; it does no database work.
package pdf

import (
	"strings"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// T translates a message ID of web/locales/pdf.*.yaml with its data.
type T func(id string, data map[string]any) string

// doc is an fpdf document that writes text through the font's faces:
// each run of a string in the face that has it, a rare face loaded on
// its first use.
type doc struct {
	*fpdf.Fpdf
	size   float64
	loaded []bool // by face
}

func newDoc(orientation, size string) *doc {
	f := fpdf.New(orientation, "mm", size, "")
	// Before the fonts: fpdf reserves the alias's runes when it adds one.
	f.AliasNbPages("")
	f.SetMargins(15, 12, 15)
	f.SetAutoPageBreak(true, 15)
	d := &doc{Fpdf: f, loaded: make([]bool, len(faces()))}
	d.setSize(10)
	return d
}

func (d *doc) setSize(pt float64) {
	d.size = pt
	d.use(0)
}

// use selects a face (an index of faces) for a run.
func (d *doc) use(i int) {
	f := faces()[i]
	if !d.loaded[i] {
		d.AddUTF8FontFromBytes(f.family, "", f.ttf)
		d.loaded[i] = true
	}
	d.SetFont(f.family, "", d.size)
}

type run struct {
	s    string
	face int
}

// runs splits s where the face changes.
func runs(s string) []run {
	var out []run
	start, cur := 0, 0
	for i, r := range s {
		f := faceOf(r)
		if i > start && f != cur {
			out = append(out, run{s[start:i], cur})
			start = i
		}
		cur = f
	}
	if start < len(s) {
		out = append(out, run{s[start:], cur})
	}
	return out
}

// width is s's width in the current size.
func (d *doc) width(s string) float64 {
	var w float64
	for _, r := range runs(s) {
		d.use(r.face)
		w += d.GetStringWidth(r.s)
	}
	d.use(0)
	return w
}

// text writes s with its baseline at (x, y).
func (d *doc) text(x, y float64, s string) {
	for _, r := range runs(s) {
		d.use(r.face)
		d.Text(x, y, r.s)
		x += d.GetStringWidth(r.s)
	}
	d.use(0)
}

// fit cuts s with an ellipsis to w.
func (d *doc) fit(s string, w float64) string {
	if d.width(s) <= w {
		return s
	}
	for s != "" {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
		if d.width(s+"…") <= w {
			break
		}
	}
	return s + "…"
}

// cell writes s in a box of w×h at the current position (w 0: to the
// right margin), aligned L, C or R, cut to fit, with fpdf's border
// ("1", "LR", …) and fill; the position moves right of it, onto a new page
// first when the box does not fit below.
func (d *doc) cell(w, h float64, s, align, border string, fill bool) {
	if w == 0 {
		pw, _ := d.GetPageSize()
		_, _, right, _ := d.GetMargins()
		w = pw - right - d.GetX()
	}
	d.CellFormat(w, h, "", border, 0, "", fill, 0, "")
	x, y := d.GetX()-w, d.GetY()
	m := d.GetCellMargin()
	s = d.fit(s, w-2*m)
	tx := x + m
	switch align {
	case "C":
		tx = x + (w-d.width(s))/2
	case "R":
		tx = x + w - m - d.width(s)
	}
	_, fs := d.GetFontSize()
	d.text(tx, y+h/2+0.3*fs, s)
}

// para writes s wrapped to lines of w (at any character: Chinese has no
// spaces to break at), each lh high, and moves below it.
func (d *doc) para(w, lh float64, s, align string) {
	m := d.GetCellMargin()
	for _, line := range strings.Split(s, "\n") {
		for {
			cut := len(line)
			for d.width(line[:cut]) > w-2*m && cut > 0 {
				_, n := utf8.DecodeLastRuneInString(line[:cut])
				cut -= n
			}
			if cut == 0 && line != "" {
				_, cut = utf8.DecodeRuneInString(line)
			}
			d.cell(w, lh, line[:cut], align, "", false)
			d.Ln(lh)
			if line = line[cut:]; line == "" {
				break
			}
		}
	}
}

// col is a table column: width and alignment.
type col struct {
	w     float64
	align string
}

// row writes one table row, bordered; a header row is shaded.
func (d *doc) row(cols []col, vals []string, h float64, header bool) {
	if header {
		d.SetFillColor(235, 235, 235)
	}
	for i, c := range cols {
		d.cell(c.w, h, vals[i], c.align, "1", header)
	}
	d.Ln(h)
}

// stamp writes s large, red, translucent and turned across the point
// (cx, cy): the 作废 of a voided receipt.
func (d *doc) stamp(s string, cx, cy, pt float64) {
	saved := d.size
	d.SetAlpha(0.35, "Normal")
	d.SetTextColor(200, 0, 0)
	d.TransformBegin()
	d.TransformRotate(20, cx, cy)
	d.setSize(pt)
	_, fs := d.GetFontSize()
	d.text(cx-d.width(s)/2, cy+0.35*fs, s)
	d.TransformEnd()
	d.SetAlpha(1, "Normal")
	d.SetTextColor(0, 0, 0)
	d.setSize(saved)
}
