package filename

import (
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	long := strings.Repeat("长", 150) + ".jpg"
	for _, c := range []struct{ in, want string }{
		{"报修照片.jpg", "报修照片.jpg"},
		{`C:\Users\me\房屋.csv`, "房屋.csv"},
		{"../../etc/passwd", "passwd"},
		{"..", "file"},
		{".", "file"},
		{"...", "file"},
		{"/", "file"},
		{"", "file"},
		{"a/..", "file"},
		{`..\..`, "file"},
		{" .. ", "file"},
		{"a\x00b\x1fc\x7f.png", "abc.png"},
		{"say \"hi\".txt", "say hi.txt"},
		{"photo\u202egpj.exe", "photogpj.exe"},
		{"bad\xffbyte.png", "badbyte.png"},
		{long, strings.Repeat("长", MaxRunes-4) + ".jpg"},
	} {
		if got := Clean(c.in, "file"); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
