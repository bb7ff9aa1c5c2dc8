package i18n

import (
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/estatedesk/estatedesk/web"
)

func flatten(prefix string, v any, out map[string]bool) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			flatten(prefix+k+".", x, out)
		}
		return
	}
	out[strings.TrimSuffix(prefix, ".")] = true
}

// keys reads every file of a language: locales/<lang>.yaml and the
// module files locales/<module>.<lang>.yaml.
func keys(t *testing.T, lang string) map[string]bool {
	t.Helper()
	files, err := fs.Glob(web.FS, "locales/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".yaml")
		if name != lang && !strings.HasSuffix(name, "."+lang) {
			continue
		}
		b, err := fs.ReadFile(web.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := yaml.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		flatten("", v, out)
	}
	return out
}

// Every message exists in every language.
func TestLanguagesHaveTheSameMessages(t *testing.T) {
	base := keys(t, Default)
	for _, lang := range Languages[1:] {
		other := keys(t, lang)
		var missing, extra []string
		for k := range base {
			if !other[k] {
				missing = append(missing, k)
			}
		}
		for k := range other {
			if !base[k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing)+len(extra) > 0 {
			t.Errorf("%s: missing %v, not in %s: %v", lang, missing, Default, extra)
		}
	}
}

// Every literal message ID a template asks for exists.
func TestTemplatesUseKnownMessages(t *testing.T) {
	c, err := Load(web.FS)
	if err != nil {
		t.Fatal(err)
	}
	ref := regexp.MustCompile(`\{\{-?\s*t "([^"]+)"`)
	err = fs.WalkDir(web.FS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web.FS, p)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			for _, lang := range Languages {
				if !c.Has(lang, m[1]) {
					t.Errorf("%s: message %q missing in %s", p, m[1], lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMatchAndFormat(t *testing.T) {
	c, err := Load(web.FS)
	if err != nil {
		t.Fatal(err)
	}
	for header, want := range map[string]string{"": "zh-CN", "en-GB,en;q=0.9": "en", "zh-TW": "zh-CN", "fr": "zh-CN", "de,en;q=0.5": "en"} {
		if got := c.Match(header); got != want {
			t.Errorf("Match(%q) = %s, want %s", header, got, want)
		}
	}
	if got := c.Number("en", 1234567); got != "1,234,567" {
		t.Errorf("Number en = %s", got)
	}
	if got := c.T("en", "home.heading", map[string]any{"Company": "Acme"}); got != "Acme customer service center" {
		t.Errorf("T with data = %q", got)
	}
	if got := c.T("zh-CN", "no.such.message", nil); got != "no.such.message" {
		t.Errorf("missing message = %q", got)
	}
}
