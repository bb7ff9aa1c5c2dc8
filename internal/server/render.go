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
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/fee"
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
	partials, err := fs.Glob(web.FS, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range i18n.Languages {
		parse := func(t *template.Template, file string) error {
			src, err := fs.ReadFile(web.FS, file)
			if err != nil {
				return err
			}
			if _, err := t.New(path.Base(file)).Parse(v.inline(cat, lang, string(src))); err != nil {
				return fmt.Errorf("template %s: %w", file, err)
			}
			return nil
		}
		base := template.New("layout").Funcs(v.funcs(cat, lang))
		for _, f := range append([]string{"templates/layout.html"}, partials...) {
			if err := parse(base, f); err != nil {
				return nil, err
			}
		}
		v.pages[lang] = map[string]*template.Template{}
		for _, p := range pages {
			t := template.Must(base.Clone())
			if err := parse(t, p); err != nil {
				return nil, err
			}
			v.pages[lang][strings.TrimSuffix(path.Base(p), ".html")] = t
		}
	}
	return v, nil
}

// fixedCall is a template action whose result is known when the templates
// load: a translation without data, or the checksummed URL of an asset.
var fixedCall = regexp.MustCompile(`\{\{(t|asset) "([^"{}]+)"\}\}`)

// inline replaces fixed calls by their result in one language, so that a
// page does not translate its labels on every request. Translations are
// HTML-escaped, which is right in text and in quoted attributes, where all
// of them stand.
func (v *views) inline(cat *i18n.Catalog, lang, src string) string {
	return fixedCall.ReplaceAllStringFunc(src, func(call string) string {
		m := fixedCall.FindStringSubmatch(call)
		var out string
		if m[1] == "asset" {
			out = "/static/" + m[2] + "?v=" + v.assets[m[2]]
		} else {
			out = template.HTMLEscapeString(cat.T(lang, m[2], nil))
		}
		if strings.Contains(out, "{{") {
			return call
		}
		return out
	})
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
		"device":     deviceName,
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
		// money and price show fen and fee prices (fee.Format's ¥1,234.50).
		"money": fee.Format,
		"price": fee.FormatPrice,
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
	Unread      int // the user's unread notifications, for the bell
	Data        map[string]any
	can         func(object, action string) bool
	roles       func() []string

	// FlashWarn: the one-time message reports something left undone.
	FlashWarn bool
	// Undispatched is the count of tickets waiting for a dispatcher, for
	// those who may dispatch.
	Undispatched int
}

// Can lets templates hide what the user may not do (the route still checks).
func (p *Page) Can(object, action string) bool { return p.can != nil && p.can(object, action) }

// Roles of the user in the current tenant.
func (p *Page) Roles() []string {
	if p.roles == nil {
		return nil
	}
	return p.roles()
}

// Langs lists the languages for the switcher.
func (p *Page) Langs() []string { return i18n.Languages }

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a full page; htmx requests that ask for a fragment get only
// the named block "content".
func (s *Server) render(c *fiber.Ctx, page, titleID string, data map[string]any) error {
	return s.renderKeyed(c, page, titleID, "", func() map[string]any { return data })
}

// renderKeyed is render for a page whose content is a pure function of
// contentKey (which must name every input the content shows): the content
// is rendered, and its data built, once per key.
func (s *Server) renderKeyed(c *fiber.Ctx, page, titleID, contentKey string, build func() map[string]any) error {
	var data map[string]any
	if contentKey == "" {
		data = build()
	}
	lang := langOf(c)
	t, ok := s.views.pages[lang][page]
	if !ok {
		return fmt.Errorf("no template %q", page)
	}
	p := &Page{Lang: lang, TitleID: titleID, CSRF: s.csrfToken(c), Path: c.Path(), User: userOf(c), Tenant: tenantOf(c), Data: data}
	if p.Tenant != nil && p.User != nil {
		uid, tid := p.User.ID, p.Tenant.ID
		p.can = func(o, a string) bool { return s.Authz.Can(uid, tid, o, a) }
		p.roles = func() []string {
			var out []string
			for _, r := range s.Authz.Roles(uid, tid) {
				out = append(out, string(r))
			}
			return out
		}
	}
	whole := c.Get("HX-Request") != "true" || c.Get("HX-Boosted") == "true"
	if whole {
		p.Unread = s.unreadCount(c)
		p.Undispatched = s.undispatchedCount(c)
	}
	// The one-time message is used up only by a whole page, which shows it;
	// an htmx fragment (a progress poll, the search box) leaves it alone.
	if f := c.Cookies(cookieFlash); f != "" && whole {
		if msg, err := url.QueryUnescape(f); err == nil {
			p.Flash, p.FlashWarn = strings.CutPrefix(msg, flashWarning)
		}
		s.dropCookie(c, cookieFlash)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if whole {
		if err := s.writeHead(buf, t, p); err != nil {
			return err
		}
		if p.Flash != "" {
			if err := t.ExecuteTemplate(buf, "flash", p); err != nil {
				return err
			}
		}
		if err := s.writeBanners(c, buf, t, p); err != nil {
			return err
		}
	}
	if contentKey == "" {
		if err := t.ExecuteTemplate(buf, "content", p); err != nil {
			return err
		}
	} else {
		key := "content\x00" + page + "\x00" + lang + "\x00" + contentKey
		if b, ok := s.heads.Get(key); ok {
			buf.Write(b)
		} else {
			p.Data = build()
			if err := s.writeCached(buf, t, "content", key, p); err != nil {
				return err
			}
		}
	}
	if whole {
		if err := s.writeCached(buf, t, "tail", "tail\x00"+lang, p); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// writeHead writes the page's chrome (head, top bar, navigation). It is a
// pure function of the inputs in the key — language, title, session (user,
// CSRF token), path, tenant with its role version, unread notifications,
// tickets waiting for dispatch —
// so it is rendered once per combination and reused: html/template spends
// most of a page's time there. Nothing stale can be served, since any change changes the key.
func (s *Server) writeHead(w *bytes.Buffer, t *template.Template, p *Page) error {
	var k strings.Builder
	k.Grow(160)
	k.WriteString(p.Lang)
	k.WriteByte(0)
	k.WriteString(p.TitleID)
	k.WriteByte(0)
	k.WriteString(p.CSRF)
	k.WriteByte(0)
	k.WriteString(p.Path)
	if p.User != nil {
		k.WriteByte(0)
		k.WriteString(p.User.ID.String())
		k.WriteString(p.User.UpdatedAt.String())
		k.WriteString(p.User.Name)
	}
	if p.Tenant != nil {
		k.WriteByte(0)
		k.WriteString(p.Tenant.ID.String())
		k.WriteString(p.Tenant.Name)
		k.WriteString(strconv.FormatInt(p.Tenant.RBACVersion, 10))
		k.WriteByte(0)
		k.WriteString(strconv.Itoa(p.Unread))
		k.WriteByte(0)
		k.WriteString(strconv.Itoa(p.Undispatched))
	}
	return s.writeCached(w, t, "head", k.String(), p)
}

// writeCached writes template name, rendered once per key.
func (s *Server) writeCached(w *bytes.Buffer, t *template.Template, name, key string, p *Page) error {
	if b, ok := s.heads.Get(key); ok {
		w.Write(b)
		return nil
	}
	start := w.Len()
	if err := t.ExecuteTemplate(w, name, p); err != nil {
		return err
	}
	s.heads.Add(key, bytes.Clone(w.Bytes()[start:]))
	return nil
}

// dropCookie deletes a cookie set with Path "/": fasthttp's ClearCookie
// sends the deletion without a path, which the browser does not apply.
func (s *Server) dropCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(1, 0), HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: s.Config.SecureCookies()})
}

// flash leaves a one-time message (a translation ID) for the next page.
func (s *Server) flash(c *fiber.Ctx, id string, data map[string]any) {
	s.flashText(c, s.Catalog.T(langOf(c), id, data), false)
}

// flashWarning marks a one-time message that reports something left
// undone: the page shows it as a warning, not as a success.
const flashWarning = "warn:"

// flashText leaves a translated one-time message for the next page.
func (s *Server) flashText(c *fiber.Ctx, msg string, warn bool) {
	if warn {
		msg = flashWarning + msg
	}
	c.Cookie(&fiber.Cookie{Name: cookieFlash, Value: url.QueryEscape(msg), Path: "/",
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
