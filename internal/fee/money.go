package fee

import (
	"math/big"
	"strconv"
	"strings"
)

// Money is integer fen (分) everywhere: columns, Go and JSON. Prices are
// hundredths of a fen per unit of measure (Price), quantities hundredths of
// the unit of measure (m², m³, kWh; 100 for one unit or parking space), so
// an amount is quantity × price ÷ 10,000 fen. An amount is rounded to the
// fen once, at the end of its calculation, half away from zero (RoundDiv).
// No floating point anywhere in the package: money_test.go reads the
// package's source and fails on any float.

// centi is the scale of prices and quantities: hundredths.
const centi = 100

// MaxFen bounds any amount a person or a client types (¥10,000,000,000)
// and MaxPrice any price (¥1,000,000 per unit of measure): far above a
// property bill, far below where sums of them could leave int64.
const (
	MaxFen   int64 = 1_000_000_000_000
	MaxPrice int64 = 10_000_000_000
)

// validFen: an amount from outside, zero included.
func validFen(fen int64) bool { return fen >= 0 && fen <= MaxFen }

// validPrice: a price from outside, in hundredths of a fen.
func validPrice(p int64) bool { return p >= 0 && p <= MaxPrice }

// Format shows an amount of fen for people: ¥1,234.50, -¥12.00.
func Format(fen int64) string {
	neg := fen < 0
	u := uint64(fen)
	if neg {
		u = -u // two's complement: correct even for the smallest int64
	}
	whole := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString("¥")
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteByte('.')
	cents := u % 100
	b.WriteByte(byte('0' + cents/10))
	b.WriteByte(byte('0' + cents%10))
	return b.String()
}

// ParseYuan reads an amount typed by a person in yuan ("1234.5", "¥1,234.50",
// "12") as fen. More than two decimals is an error, not a rounding: money
// typed at a counter is exact.
func ParseYuan(s string) (int64, error) {
	v, err := parseDecimal(s, 2)
	if err != nil || v > MaxFen || v < -MaxFen {
		return 0, ErrInvalidAmount
	}
	return v, nil
}

// ParsePrice reads a price in yuan per unit of measure with up to four
// decimals ("2.35" ¥/m²/month, "3.4500" ¥/m³) as hundredths of a fen.
func ParsePrice(s string) (int64, error) {
	v, err := parseDecimal(s, 4)
	if err != nil || !validPrice(v) {
		return 0, ErrInvalidPrice
	}
	return v, nil
}

// FormatPrice shows a price in hundredths of a fen as yuan with its
// significant decimals (at least two): 23500 → "2.35", 34567 → "3.4567".
func FormatPrice(p int64) string {
	neg := p < 0
	if neg {
		p = -p
	}
	s := strconv.FormatInt(p/10000, 10) + "." + strings.TrimRight(strconv.FormatInt(10000+p%10000, 10)[1:], "0")
	if i := strings.IndexByte(s, '.'); len(s)-i-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-i-1))
	}
	if neg {
		s = "-" + s
	}
	return s
}

// parseDecimal reads a non-empty decimal with at most decimals digits after
// the point, scaled by 10^decimals. A leading ¥ and thousands commas are
// allowed.
func parseDecimal(s string, decimals int) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if !thousands(whole) || strings.Contains(frac, ",") {
		return 0, strconv.ErrSyntax
	}
	whole = strings.ReplaceAll(whole, ",", "")
	if whole == "" || len(frac) > decimals || strings.ContainsAny(whole+frac, "+-") {
		return 0, strconv.ErrSyntax
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, err
	}
	f := int64(0)
	if frac != "" {
		if f, err = strconv.ParseInt(frac+strings.Repeat("0", decimals-len(frac)), 10, 64); err != nil {
			return 0, err
		}
	}
	scale := int64(1)
	for range decimals {
		scale *= 10
	}
	if w > (1<<62)/scale {
		return 0, strconv.ErrRange
	}
	v := w*scale + f
	if neg {
		v = -v
	}
	return v, nil
}

// thousands reports whether the commas of whole, if any, group its digits
// by thousands ("1,234,567"): "1,5", typed for 1.5, is refused rather than
// read as 15.
func thousands(whole string) bool {
	if !strings.Contains(whole, ",") {
		return true
	}
	groups := strings.Split(whole, ",")
	if n := len(groups[0]); n < 1 || n > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// RoundDiv is num ÷ den rounded to the nearest integer, halves away from
// zero (2.5 → 3, -2.5 → -3): the rounding of every amount. den > 0.
func RoundDiv(num, den *big.Int) int64 {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	// |r|×2 ≥ den: the half or more goes away from zero.
	if r.Sign() != 0 && new(big.Int).Lsh(new(big.Int).Abs(r), 1).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}

// roundRat is RoundDiv of a rational.
func roundRat(r *big.Rat) int64 { return RoundDiv(r.Num(), r.Denom()) }

// Capital writes an amount in Chinese capital numerals (人民币大写) as
// cheques and receipts require, by the People's Bank's rules for filling
// in bills (正确填写票据和结算凭证的基本规定): ¥1,234.50 is 壹仟贰佰叁拾肆元伍角整,
// ¥10,005.00 壹万零伍元整, ¥16,409.02 壹万陆仟肆佰零玖元零贰分, ¥0.00 零元整.
// A run of zeros inside the yuan is one 零; zeros closing a group of four
// digits are absorbed by its 万 or 亿; 拾 always has its digit (壹拾); a
// zero 角 before a 分 is written 零; 整 closes an amount without 分.
func Capital(fen int64) string {
	const digits = "零壹贰叁肆伍陆柒捌玖"
	digit := func(d uint64) string { return string([]rune(digits)[d]) }
	u := uint64(fen)
	var b strings.Builder
	if fen < 0 {
		b.WriteString("负")
		u = -u
	}
	yuan, jiao, fenDigit := u/100, u/10%10, u%10
	if yuan > 0 {
		b.WriteString(capitalYuan(yuan, digit))
		b.WriteString("元")
	} else if jiao == 0 && fenDigit == 0 {
		b.WriteString("零元")
	}
	switch {
	case jiao == 0 && fenDigit == 0:
		b.WriteString("整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteString(digit(fenDigit) + "分")
	case fenDigit == 0:
		b.WriteString(digit(jiao) + "角整")
	default:
		b.WriteString(digit(jiao) + "角" + digit(fenDigit) + "分")
	}
	return b.String()
}

// capitalYuan writes a positive number of yuan in groups of four digits
// (个, 万, 亿, 万亿).
func capitalYuan(y uint64, digit func(uint64) string) string {
	groupUnits := []string{"", "万", "亿", "万亿", "亿亿"}
	places := [4]string{"仟", "佰", "拾", ""}
	var groups []uint64
	for ; y > 0; y /= 10000 {
		groups = append(groups, y%10000)
	}
	var b strings.Builder
	started, zero := false, false
	for g := len(groups) - 1; g >= 0; g-- {
		if groups[g] == 0 {
			zero = started
			continue
		}
		for i, div := range [4]uint64{1000, 100, 10, 1} {
			d := groups[g] / div % 10
			if d == 0 {
				zero = zero || started
				continue
			}
			if zero {
				b.WriteString("零")
				zero = false
			}
			b.WriteString(digit(d) + places[i])
			started = true
		}
		// Zeros closing the group are read in its unit: 壹拾万, not 壹拾零万.
		zero = false
		b.WriteString(groupUnits[g])
	}
	return b.String()
}
