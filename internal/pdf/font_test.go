package pdf

import "testing"

// The common face has what receipts print most — digits, ¥, the 大写
// numerals, punctuation — and leaves rarer hanzi to the rare faces.
func TestCommonCoverage(t *testing.T) {
	c := faces()[0].runes
	for _, r := range "0123456789,.¥-：（）零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整收款收据副本作废SKAaZz张王李" {
		if !c.has(r) {
			t.Errorf("common.ttf lacks %q", r)
		}
	}
	for _, r := range "喆堃镕" {
		if c.has(r) {
			t.Errorf("%q is in common.ttf; expected in a rare face", r)
		}
		if faceOf(r) == 0 {
			t.Errorf("no rare face has %q", r)
		}
	}
}
