package pdf

import (
	_ "embed"
	"encoding/binary"
	"sync"
)

// The CJK face is WenQuanYi Micro Hei (Apache-2.0, font/LICENSE), cut
// by font/make-fonts.sh: fpdf parses a TrueType font anew for every
// document and subsets it on output, both in time proportional to the
// font's character map. So a document loads the common part (ASCII,
// Latin-1, punctuation, the hanzi of GB 2312), and one of the four rare
// parts (the other CJK ideographs and symbols) only when its text has one
// of their characters.
var (
	//go:embed font/common.ttf
	commonTTF []byte
	//go:embed font/rare-1.ttf
	rare1TTF []byte
	//go:embed font/rare-2.ttf
	rare2TTF []byte
	//go:embed font/rare-3.ttf
	rare3TTF []byte
	//go:embed font/rare-4.ttf
	rare4TTF []byte
)

// face is one part of the font: its family name in a document, its file
// and the runes it has.
type face struct {
	family string
	ttf    []byte
	runes  *coverage
}

// faces are the parts, the common one first; their coverage is read once
// per process.
var faces = sync.OnceValue(func() []face {
	fs := []face{{family: "common", ttf: commonTTF}, {family: "rare1", ttf: rare1TTF},
		{family: "rare2", ttf: rare2TTF}, {family: "rare3", ttf: rare3TTF}, {family: "rare4", ttf: rare4TTF}}
	for i := range fs {
		fs[i].runes = cmapCoverage(fs[i].ttf)
	}
	return fs
})

// faceOf is the index of the face that has r; the common one (which
// draws its "missing" box) when none has.
func faceOf(r rune) int {
	for i, f := range faces() {
		if f.runes.has(r) {
			return i
		}
	}
	return 0
}

// coverage is the set of BMP runes a font has glyphs for.
type coverage [1 << 16 / 64]uint64

func (c *coverage) has(r rune) bool { return r >= 0 && r < 1<<16 && c[r/64]&(1<<(r%64)) != 0 }

func (c *coverage) add(r int) { c[r/64] |= 1 << (r % 64) }

// cmapCoverage reads the runes a TrueType font maps to a glyph from its
// Unicode BMP character map (cmap format 4, platform 3 encoding 1, which
// make-fonts.sh always writes). A font without one covers nothing.
func cmapCoverage(ttf []byte) *coverage {
	c := new(coverage)
	u16 := func(off int) int {
		if off < 0 || off+2 > len(ttf) {
			return 0
		}
		return int(binary.BigEndian.Uint16(ttf[off:]))
	}
	u32 := func(off int) int {
		if off < 0 || off+4 > len(ttf) {
			return 0
		}
		return int(binary.BigEndian.Uint32(ttf[off:]))
	}
	cmap := -1
	for i := range u16(4) {
		rec := 12 + 16*i
		if string(ttf[rec:min(rec+4, len(ttf))]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return c
	}
	sub := -1
	for i := range u16(cmap + 2) {
		rec := cmap + 4 + 8*i
		if u16(rec) == 3 && u16(rec+2) == 1 {
			sub = cmap + u32(rec+4)
		}
	}
	if sub < 0 || u16(sub) != 4 {
		return c
	}
	segs := u16(sub+6) / 2
	ends, starts := sub+14, sub+16+2*segs
	deltas, offsets := starts+2*segs, starts+4*segs
	for s := range segs {
		end, start, delta, ro := u16(ends+2*s), u16(starts+2*s), u16(deltas+2*s), u16(offsets+2*s)
		for r := start; r <= end && r < 0xFFFF; r++ {
			glyph := (r + delta) & 0xFFFF
			if ro != 0 {
				glyph = u16(offsets + 2*s + ro + 2*(r-start))
				if glyph != 0 {
					glyph = (glyph + delta) & 0xFFFF
				}
			}
			if glyph != 0 {
				c.add(r)
			}
		}
	}
	return c
}
