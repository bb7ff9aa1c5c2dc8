package server_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/web"
)

// Every stable error code has a translated message in every language, so
// no user ever sees a bare code.
func TestEveryErrorCodeIsTranslated(t *testing.T) {
	src, err := os.ReadFile("errors.go")
	must(t, err)
	cat, err := i18n.Load(web.FS)
	must(t, err)
	codes := regexp.MustCompile(`(?m)return [^,\n]+, "([a-z_]+)"$`).FindAllStringSubmatch(string(src), -1)
	for _, what := range []string{"estates", "units", "staff"} {
		codes = append(codes, []string{"", "plan_limit_" + what})
	}
	if len(codes) < 20 {
		t.Fatalf("found only %d codes in errors.go", len(codes))
	}
	for _, m := range codes {
		for _, lang := range i18n.Languages {
			if !cat.Has(lang, "error."+m[1]) {
				t.Errorf("error.%s has no %s message", m[1], lang)
			}
		}
	}
}
