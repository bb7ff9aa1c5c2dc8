package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// tenantRoute is one operation in a tenant workspace with its permission.
// HTML marks routes under /t/:slug, API those under /api/v1/t/:slug; most
// operations exist in both faces and share one handler.
type tenantRoute struct {
	method, path   string
	object, action string
	handler        fiber.Handler
	html, api      bool
}

const (
	htmlOnly = 1 << iota
	apiOnly
	both = htmlOnly | apiOnly
)

func tr(method, path, object, action string, faces int, h fiber.Handler) tenantRoute {
	return tenantRoute{method: method, path: path, object: object, action: action, handler: h,
		html: faces&htmlOnly != 0, api: faces&apiOnly != 0}
}

// tenantRoutes is the route table of the workspace: every route names the
// permission it needs, checked by casbin before the handler runs.
func (s *Server) tenantRoutes() []tenantRoute {
	return []tenantRoute{
		tr("GET", "/", "tenant", "read", htmlOnly, s.tenantHome),
		tr("GET", "/staff", "staff", "read", both, s.staffList),
		tr("POST", "/staff/invitations", "staff", "invite", both, s.staffInvite),
		tr("POST", "/staff/invitations/:id/revoke", "staff", "invite", both, s.invitationRevoke),
		tr("POST", "/staff/:user/access", "staff", "manage", both, s.staffAccess),
		tr("POST", "/staff/:user/remove", "staff", "manage", both, s.staffRemove),
	}
}

func (s *Server) routes(app *fiber.App) {
	app.Use(s.requestLog, recover.New(), s.securityHeaders)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.Metrics.handler())
	app.Get("/static/*", s.serveStatic)

	// Everything registered below needs the session and the CSRF check;
	// Fiber runs handlers in registration order, so the probes above skip them.
	app.Use(s.loadSession, s.csrf)

	// HTML pages.
	web := app
	web.Get("/", s.rootRedirect)
	web.Get("/login", s.loginForm)
	web.Post("/login", s.login)
	web.Post("/logout", s.logout)
	web.Post("/locale", s.localeSet)
	web.Get("/password/forgot", s.passwordForgotForm)
	web.Post("/password/forgot", s.passwordForgot)
	web.Get("/password/reset/:token", s.passwordResetForm)
	web.Post("/password/reset/:token", s.passwordReset)
	web.Get("/invite/:token", s.invitationShow)
	web.Post("/invite/:token", s.invitationAccept)
	web.Get("/account", s.requireUser, s.accountShow)
	web.Post("/account/sessions/:id/revoke", s.requireUser, s.sessionRevoke)

	admin := web.Group("/admin", s.requireAdmin)
	admin.Get("/", s.adminTenantList)
	admin.Post("/tenants", s.adminTenantCreate)
	admin.Get("/tenants/:id", s.adminTenantShow)
	admin.Post("/tenants/:id/status", s.adminTenantStatus)

	ws := web.Group("/t/:slug", s.requireUser, s.resolveTenant)

	// JSON API.
	api := app.Group("/api/v1")
	api.Get("/openapi.json", s.openAPI)
	api.Post("/auth/login", s.apiLogin)
	api.Post("/auth/logout", s.requireUser, s.logout)
	api.Get("/me", s.requireUser, s.apiMe)
	api.Get("/sessions", s.requireUser, s.sessionList)
	api.Delete("/sessions/:id", s.requireUser, s.sessionRevoke)
	apiAdmin := api.Group("/admin", s.requireAdmin)
	apiAdmin.Get("/tenants", s.adminTenantList)
	apiAdmin.Post("/tenants", s.adminTenantCreate)
	apiAdmin.Get("/tenants/:id", s.adminTenantShow)
	apiAdmin.Post("/tenants/:id/status", s.adminTenantStatus)
	apiWS := api.Group("/t/:slug", s.requireUser, s.resolveTenant)

	for _, r := range s.tenantRoutes() {
		if r.html {
			ws.Add(r.method, r.path, s.can(r.object, r.action), r.handler)
		}
		if r.api {
			apiWS.Add(r.method, r.path, s.can(r.object, r.action), r.handler)
		}
	}

	app.Use(func(c *fiber.Ctx) error { return errNotFoundRoute })
}
