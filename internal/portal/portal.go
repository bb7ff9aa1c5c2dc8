// Package portal is the residents' face of estatedesk: the phone pages at
// /r/{slug}/ where owners and their households sign in with a code sent by
// SMS, see their homes, report and follow requests. It has its own session
// kind (internal/resident), layout and routes over the shared domain
// services; a staff session means nothing here, and a resident session
// nothing to the staff routes (internal/server).
package portal

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/cache"
	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/resident"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Deps are the services the portal is built on.
type Deps struct {
	Config    config.Config
	DB        *database.DB
	Residents *resident.Service
	Catalog   *i18n.Catalog
	Log       *slog.Logger
}

// Portal holds the handlers' dependencies.
type Portal struct {
	Deps
	views   *views
	tenants *cache.TTL[string, tenant.Tenant]
}

// New parses the portal's templates.
func New(d Deps) (*Portal, error) {
	v, err := loadViews(d.Catalog)
	if err != nil {
		return nil, err
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	ttl := d.Config.SessionCacheTTL
	if ttl <= 0 {
		ttl = 5 * time.Second
	}
	p := &Portal{Deps: d, views: v, tenants: cache.New[string, tenant.Tenant](10_000, ttl)}
	// A suspended or renamed company reaches every replica's portal as it
	// reaches the staff side: by the database's invalidation notice.
	if d.DB != nil {
		d.DB.OnInvalidate(p.tenants.Purge)
	}
	return p, nil
}

// Mount registers the portal under r (the server's /r/:slug group), ahead
// of the staff middleware. input is the server's text check, which every
// request of either face passes.
func (p *Portal) Mount(r fiber.Router, input fiber.Handler) {
	r.Use(p.handleErrors, p.resolveTenant, p.loadSession, p.csrf, input)
	r.Get("/", p.requireResident, p.home)
	r.Get("/login", p.loginForm)
	r.Post("/login/code", p.loginCode)
	r.Post("/login", p.login)
	r.Post("/logout", p.logout)
	r.Post("/lang", p.langSet)
	r.Get("/qr.png", p.qrCode)
	r.Get("/requests", p.requireResident, p.requestList)
	r.Get("/requests/new", p.requireResident, p.reportForm)
	r.Post("/requests", p.requireResident, p.reportCreate)
	r.Get("/requests/:id", p.requireResident, p.requestShow)
	r.Post("/requests/:id/rating", p.requireResident, p.requestRate)
	r.Get("/profile", p.requireResident, p.profile)
	r.Post("/profile/sessions/:id/revoke", p.requireResident, p.sessionRevoke)
	// Anything else under the portal is the portal's 404, never a staff
	// route.
	r.Use(func(c *fiber.Ctx) error { return errNotFound })
}

// Locals.
const (
	localTenant  = "portal.tenant"
	localSession = "portal.session"
	localLang    = "portal.lang"
	localCSRF    = "portal.csrf"
)

func tenantOf(c *fiber.Ctx) *tenant.Tenant {
	t, _ := c.Locals(localTenant).(*tenant.Tenant)
	return t
}

func sessionOf(c *fiber.Ctx) *resident.Session {
	s, _ := c.Locals(localSession).(*resident.Session)
	return s
}

func langOf(c *fiber.Ctx) string {
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	return i18n.Default
}

// base is the portal's root for the request's company.
func base(c *fiber.Ctx) string { return "/r/" + tenantOf(c).Slug + "/" }

func (p *Portal) bySlug(ctx context.Context, slug string) (*tenant.Tenant, error) {
	if t, ok := p.tenants.Get(slug); ok {
		return &t, nil
	}
	t, err := tenant.BySlug(ctx, p.DB.Reader(), slug)
	if err != nil {
		return nil, err
	}
	// The slug may be a view of Fiber's buffer: keep a copy.
	p.tenants.Add(strings.Clone(slug), *t)
	return t, nil
}

func client(c *fiber.Ctx) resident.Client {
	return resident.Client{IP: strings.ToValidUTF8(c.IP(), ""), UserAgent: headerText(string(c.Request().Header.UserAgent()))}
}

// headerText keeps the printable part of a header (a NUL in a User-Agent
// is refused by PostgreSQL) and at most 300 bytes of it.
func headerText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "")
	}
	return s
}
