// Package server is the HTTP face of estatedesk: HTML dashboards and the JSON
// API over the same services, behind one middleware chain and one route table.
package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/cache"
	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/estate/importer"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/manifest"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/report"
	"github.com/estatedesk/estatedesk/internal/subscription"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
	"github.com/estatedesk/estatedesk/internal/webhook"
)

// Authorizer is what the server asks of the authorization package.
type Authorizer interface {
	Can(userID, tenantID uuid.UUID, object, action string) bool
	Roles(userID, tenantID uuid.UUID) []rbac.Role
	Sync(ctx context.Context, tenantID uuid.UUID, version int64) error
}

// Deps are the services the server is built on.
type Deps struct {
	Config   config.Config
	DB       *database.DB
	Accounts *account.Service
	Estates  *estate.Service
	// Manifests applies tenant manifests from the platform console.
	Manifests *manifest.Applier
	Authz     Authorizer
	Catalog   *i18n.Catalog
	Log       *slog.Logger
	Metrics   *Metrics
	// Imports brings buildings, units and people in from spreadsheets.
	Imports *importer.Service
	// Tickets is the service center's requests.
	Tickets *ticket.Service
	// Webhooks are the company's outgoing webhooks and their delivery log.
	Webhooks *webhook.Service
	// Fees is fee collection: items, runs, the counter, arrears.
	Fees *fee.Service
	// Subscriptions is sign-up and billing: trials, plans, Stripe.
	Subscriptions *subscription.Service
	// Reports is the monthly report (月度分析报告) and its archive.
	Reports *report.Service
	// KPIs is the figures (统计分析): dashboards, targets, drill-downs.
	KPIs *kpi.Service
	// Portal is the residents' face (internal/portal), mounted at
	// /r/:slug ahead of the staff's sessions; nil leaves it out.
	Portal Mounter
}

// Mounter is a face of its own under a prefix: it gets its group and the
// server's input check, and none of the staff middleware.
type Mounter interface {
	Mount(r fiber.Router, input fiber.Handler)
}

// Server holds the dependencies of the handlers.
type Server struct {
	Deps
	views   *views
	tenants *tenantCache
	heads   *lru.Cache[string, []byte]
	// unread remembers each member's count of unread notifications for
	// a few seconds: the bell is on every page.
	unread *cache.TTL[[2]uuid.UUID, int]
	// undispatched remembers each dispatcher's count of tickets waiting
	// for dispatch, for the top bar.
	undispatched *cache.TTL[[2]uuid.UUID, int]
	// dashboards remembers each dashboard read for dashboardTTL
	// (kpi_dash.go).
	dashboards *cache.TTL[string, *kpiDashboard]
}

// New builds the Fiber app with every route.
func New(d Deps) (*fiber.App, error) {
	v, err := loadViews(d.Catalog)
	if err != nil {
		return nil, err
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(d.DB)
	}
	heads, err := lru.New[string, []byte](2_000)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, views: v, tenants: newTenantCache(d.DB, d.Config.SessionCacheTTL), heads: heads}
	s.unread = cache.New[[2]uuid.UUID, int](10_000, unreadTTL)
	s.undispatched = cache.New[[2]uuid.UUID, int](10_000, d.Config.SessionCacheTTL)
	s.dashboards = cache.New[string, *kpiDashboard](1_000, dashboardTTL)
	if d.DB != nil {
		// A target changed on another replica: its colours change here too.
		d.DB.OnInvalidate(s.dashboards.Purge)
	}
	cfg := fiber.Config{
		AppName:               "estatedesk",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		BodyLimit:             d.Config.BodyLimitBytes,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           90 * time.Second,
		ReadBufferSize:        16 << 10,
	}
	if d.Config.TrustProxy {
		cfg.ProxyHeader = fiber.HeaderXForwardedFor
	}
	app := fiber.New(cfg)
	s.routes(app)
	return app, nil
}

// Context keys held in fiber locals.
const (
	localSession = "session"
	// localPending is a session that has the password but still owes the
	// two-factor code: only the code page sees it.
	localPending = "pending_session"
	localTenant  = "tenant"
	localLang    = "lang"
	localCSRF    = "csrf"
)

func sessionOf(c *fiber.Ctx) *account.Session {
	s, _ := c.Locals(localSession).(*account.Session)
	return s
}

func userOf(c *fiber.Ctx) *account.User {
	if s := sessionOf(c); s != nil {
		return s.User
	}
	return nil
}

func tenantOf(c *fiber.Ctx) *tenant.Tenant {
	t, _ := c.Locals(localTenant).(*tenant.Tenant)
	return t
}

func langOf(c *fiber.Ctx) string {
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	return i18n.Default
}

// client is where a request comes from, as sessions and sign-in limits
// store it. Headers are text nobody checked (a NUL in a User-Agent was a
// 500 on PostgreSQL): what is not text is dropped.
func (s *Server) client(c *fiber.Ctx) account.Client {
	return account.Client{IP: headerText(c.IP()), UserAgent: headerText(string(c.Request().Header.UserAgent()))}
}

// isAPI: the request came in under /api/, so it answers JSON.
func isAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return len(p) >= 5 && p[:5] == "/api/"
}
