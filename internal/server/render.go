package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/web"
)

// views are the page templates, parsed once per language so that `t` in a
// template translates without per-request work.
type views struct {
	pages  map[string]map[string]*template.Template // lang → page → template
	assets map[string]string                        // static path → content hash
}

func loadViews(cat *i18n.Catalog) (*views, error) {
	v := &views{pages: map[string]map[string]*template.Template{}, assets: map[string]string{}}
	err := fs.WalkDir(web.FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.assets[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(web.FS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range i18n.Languages {
		base := template.New("layout").Funcs(v.funcs(cat, lang))
		base, err := base.ParseFS(web.FS, "templates/layout.html", "templates/partials/*.html")
		if err != nil {
			return nil, err
		}
		v.pages[lang] = map[string]*template.Template{}
		for _, p := range pages {
			t, err := template.Must(base.Clone()).ParseFS(web.FS, p)
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", p, err)
			}
			v.pages[lang][strings.TrimSuffix(path.Base(p), ".html")] = t
		}
	}
	return v, nil
}

func (v *views) funcs(cat *i18n.Catalog, lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(id string, kv ...any) string {
			if len(kv) == 0 {
				return cat.T(lang, id, nil)
			}
			data := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				data[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return cat.T(lang, id, data)
		},
		"date":     func(t time.Time) string { return i18n.Date(lang, t) },
		"datetime": func(t time.Time) string { return i18n.DateTime(lang, t) },
		"number": func(n any) string {
			switch v := n.(type) {
			case int:
				return cat.Number(lang, int64(v))
			case int64:
				return cat.Number(lang, v)
			}
			return fmt.Sprint(n)
		},
		"asset": func(p string) string {
			return "/static/" + p + "?v=" + v.assets[p]
		},
		"join":     strings.Join,
		"roleName": func(r string) string { return cat.T(lang, "role."+r, nil) },
		// roleNames lists roles in the language's own way ("经理、管理员").
		"roleNames": func(rs []string) string {
			names := make([]string, len(rs))
			for i, r := range rs {
				names[i] = cat.T(lang, "role."+r, nil)
			}
			return strings.Join(names, cat.T(lang, "punct.list_sep", nil))
		},
		"statusName": func(s tenant.Status) string { return cat.T(lang, "tenant_status."+string(s), nil) },
		"in": func(id uuid.UUID, ids []uuid.UUID) bool {
			for _, x := range ids {
				if x == id {
					return true
				}
			}
			return false
		},
		"has": func(s string, xs []string) bool {
			for _, x := range xs {
				if x == s {
					return true
				}
			}
			return false
		},
	}
}

// Page is what every template receives as ".".
type Page struct {
	Lang        string
	TitleID     string
	CSRF        string
	Path        string
	User        *account.User
	Tenant      *tenant.Tenant
	Memberships []account.MembershipView
	Flash       string
	Data        map[string]any
	can         func(object, action string) bool
	roles       []string
}

// Can lets templates hide what the user may not do (the route still checks).
func (p *Page) Can(object, action string) bool { return p.can != nil && p.can(object, action) }

// Roles of the user in the current tenant.
func (p *Page) Roles() []string { return p.roles }

// Langs lists the languages for the switcher.
func (p *Page) Langs() []string { return i18n.Languages }

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a full page; htmx requests that ask for a fragment get only
// the named block "content".
func (s *Server) render(c *fiber.Ctx, page, titleID string, data map[string]any) error {
	lang := langOf(c)
	t, ok := s.views.pages[lang][page]
	if !ok {
		return fmt.Errorf("no template %q", page)
	}
	p := &Page{Lang: lang, TitleID: titleID, CSRF: s.csrfToken(c), Path: c.Path(), User: userOf(c), Tenant: tenantOf(c), Data: data}
	if p.Tenant != nil && p.User != nil {
		uid, tid := p.User.ID, p.Tenant.ID
		p.can = func(o, a string) bool { return s.Authz.Can(uid, tid, o, a) }
		for _, r := range s.Authz.Roles(uid, tid) {
			p.roles = append(p.roles, string(r))
		}
	}
	if f := c.Cookies(cookieFlash); f != "" {
		if msg, err := url.QueryUnescape(f); err == nil {
			p.Flash = msg
		}
		c.ClearCookie(cookieFlash)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	name := "layout"
	if c.Get("HX-Request") == "true" && c.Get("HX-Boosted") != "true" {
		name = "content"
	}
	if err := t.ExecuteTemplate(buf, name, p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// flash leaves a one-time message (a translation ID) for the next page.
func (s *Server) flash(c *fiber.Ctx, id string, data map[string]any) {
	c.Cookie(&fiber.Cookie{Name: cookieFlash, Value: url.QueryEscape(s.Catalog.T(langOf(c), id, data)), Path: "/",
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.Config.SecureCookies(), MaxAge: 60})
}

// serveStatic serves embedded assets; a request carrying the current
// content hash may be cached for a year.
func (s *Server) serveStatic(c *fiber.Ctx) error {
	p := c.Params("*")
	hash, ok := s.views.assets[p]
	if !ok {
		return errNotFoundRoute
	}
	b, err := fs.ReadFile(web.FS, "static/"+p)
	if err != nil {
		return errNotFoundRoute
	}
	if c.Query("v") == hash {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	c.Type(path.Ext(p))
	return c.Send(b)
}
