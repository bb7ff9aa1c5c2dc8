package portal

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/web"
)

// views are the portal's pages, each parsed with its layout once per
// language.
type views struct {
	pages map[string]map[string]*template.Template // lang → page
	css   string                                   // /static/portal.css?v=<hash>
}

func loadViews(cat *i18n.Catalog) (*views, error) {
	css, err := fs.ReadFile(web.FS, "static/portal.css")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(css)
	v := &views{pages: map[string]map[string]*template.Template{}, css: "/static/portal.css?v=" + hex.EncodeToString(sum[:])[:12]}
	files, err := fs.Glob(web.FS, "templates/portal/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range i18n.Languages {
		v.pages[lang] = map[string]*template.Template{}
		for _, f := range files {
			name := strings.TrimSuffix(path.Base(f), ".html")
			if name == "layout" {
				continue
			}
			t, err := template.New("layout.html").Funcs(funcs(cat, lang)).ParseFS(web.FS, "templates/portal/layout.html", f)
			if err != nil {
				return nil, fmt.Errorf("portal: %s: %w", f, err)
			}
			v.pages[lang][name] = t
		}
	}
	return v, nil
}

func funcs(cat *i18n.Catalog, lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(id string) string { return cat.T(lang, id, nil) },
		// td translates with data given as key, value pairs.
		"td": func(id string, kv ...any) string {
			data := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				data[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return cat.T(lang, id, data)
		},
		"datetime": func(t time.Time) string { return i18n.DateTime(lang, t) },
		"list":     func(v ...any) []any { return v },
	}
}

// Page is what every portal template sees.
type Page struct {
	Lang, Title, CSS, Base, CSRF, Company string
	SignedIn                              bool
	Data                                  map[string]any
	// Loc is the company's time zone, which times are shown in.
	Loc *time.Location
}

func (p *Portal) render(c *fiber.Ctx, page, titleID string, data map[string]any) error {
	lang := langOf(c)
	t, ok := p.views.pages[lang][page]
	if !ok {
		return fmt.Errorf("portal: no page %q", page)
	}
	pg := &Page{Lang: lang, Title: p.Catalog.T(lang, titleID, nil), CSS: p.views.css, Data: data, SignedIn: sessionOf(c) != nil, Loc: time.UTC}
	if tn := tenantOf(c); tn != nil {
		pg.Base, pg.Company, pg.CSRF, pg.Loc = base(c), tn.Name, p.csrfToken(c), tn.Location()
	}
	var b bytes.Buffer
	if err := t.Execute(&b, pg); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.Send(b.Bytes())
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
