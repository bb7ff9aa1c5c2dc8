package fee

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	for fen, want := range map[int64]string{
		0: "¥0.00", 5: "¥0.05", 50: "¥0.50", 123450: "¥1,234.50", 100: "¥1.00", 99999: "¥999.99",
		100000: "¥1,000.00", 123456789012: "¥1,234,567,890.12", -1200: "-¥12.00", -5: "-¥0.05",
		math.MinInt64: "-¥92,233,720,368,547,758.08",
	} {
		if got := Format(fen); got != want {
			t.Errorf("Format(%d) = %s, want %s", fen, got, want)
		}
	}
}

func TestParseYuanAndPrice(t *testing.T) {
	for in, want := range map[string]int64{"1234.5": 123450, "¥1,234.50": 123450, "1,234,567.89": 123456789, "12": 1200, "0.05": 5, " 3.1 ": 310, "-2": -200} {
		if got, err := ParseYuan(in); err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1.234", "abc", ".5", "1.-5", "1e3", "1.2.3", "99999999999999999999", "10000000001", "1,5", ",123", "1,2345", "1234,567", "1.2,5"} {
		if _, err := ParseYuan(in); err != ErrInvalidAmount {
			t.Errorf("ParseYuan(%q): %v, want ErrInvalidAmount", in, err)
		}
	}
	for in, want := range map[string]int64{"2.35": 23500, "3.4567": 34567, "0": 0, "1": 10000} {
		if got, err := ParsePrice(in); err != nil || got != want {
			t.Errorf("ParsePrice(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"2.35001", "-1", "", "1000000.0001"} {
		if _, err := ParsePrice(in); err != ErrInvalidPrice {
			t.Errorf("ParsePrice(%q): %v", in, err)
		}
	}
	for p, want := range map[int64]string{23500: "2.35", 34567: "3.4567", 10000: "1.00", 5: "0.0005", 0: "0.00", 23510: "2.351"} {
		if got := FormatPrice(p); got != want {
			t.Errorf("FormatPrice(%d) = %s, want %s", p, got, want)
		}
	}
}

// Half away from zero: .5 goes up for positives and down for negatives.
func TestRoundDiv(t *testing.T) {
	for _, c := range []struct{ num, den, want int64 }{
		{5, 2, 3}, {-5, 2, -3}, {4, 2, 2}, {7, 3, 2}, {8, 3, 3}, {-7, 3, -2}, {-8, 3, -3},
		{14999, 10000, 1}, {15000, 10000, 2}, {-15000, 10000, -2}, {0, 7, 0}, {1, 3, 0}, {2, 4, 1},
	} {
		if got := RoundDiv(big.NewInt(c.num), big.NewInt(c.den)); got != c.want {
			t.Errorf("RoundDiv(%d, %d) = %d, want %d", c.num, c.den, got, c.want)
		}
	}
}

// No floating point in the package's code: money is integer fen. The test
// reads every non-test Go file of the package and fails on a float type, a
// float literal, or a name of the standard library's functions and methods
// that give floats (strconv, math, math/big, time.Duration).
func TestNoFloatingPoint(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				switch n.Name {
				case "float32", "float64", "ParseFloat", "FormatFloat", "AppendFloat", "Float64", "Float32",
					"SetFloat64", "NewFloat", "Float", "Float64bits", "Float64frombits",
					// time.Duration's float accessors.
					"Hours", "Minutes", "Seconds":
					t.Errorf("%s: %s — money is integer fen", fset.Position(n.Pos()), n.Name)
				}
			case *ast.BasicLit:
				if n.Kind == token.FLOAT || n.Kind == token.IMAG {
					t.Errorf("%s: float literal %s", fset.Position(n.Pos()), n.Value)
				}
			}
			return true
		})
	}
	if checked < 5 {
		t.Fatalf("checked only %d files", checked)
	}
}
