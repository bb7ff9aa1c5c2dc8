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
		// Two-factor sign-in for the company's staff (the managers' call).
		tr("POST", "/settings/two-factor", "tenant", "manage", both, s.tenantTwoFactor),
		tr("GET", "/estates", "estate", "read", both, s.estateList),
		tr("POST", "/estates", "estate", "create", both, s.estateCreate),
		tr("GET", "/estates/:estate", "estate", "read", both, s.estateShow),
		tr("POST", "/estates/:estate", "estate", "update", both, s.estateUpdate),
		tr("POST", "/estates/:estate/archive", "estate", "archive", both, s.estateArchive),
		tr("POST", "/estates/:estate/restore", "estate", "archive", both, s.estateRestore),
		tr("POST", "/estates/:estate/calendar", "estate", "update", both, s.estateCalendar),
		tr("POST", "/estates/:estate/calendar/official", "estate", "update", both, s.estateCalendarAdopt),
		tr("GET", "/estates/:estate/buildings", "estate", "read", apiOnly, s.buildingList),
		tr("POST", "/estates/:estate/buildings", "estate", "update", both, s.buildingCreate),
		tr("GET", "/buildings/:building", "estate", "read", both, s.buildingShow),
		tr("POST", "/buildings/:building/units", "estate", "update", both, s.unitGenerate),
		tr("POST", "/buildings/:building", "estate", "update", both, s.buildingUpdate),
		tr("POST", "/buildings/:building/archive", "estate", "archive", both, s.buildingArchive(true)),
		tr("POST", "/buildings/:building/restore", "estate", "archive", both, s.buildingArchive(false)),
		tr("POST", "/units/:unit/archive", "estate", "update", both, s.unitArchive(true)),
		tr("POST", "/units/:unit/restore", "estate", "update", both, s.unitArchive(false)),
		tr("GET", "/units/:unit", "estate", "read", both, s.unitShow),
		tr("POST", "/units/:unit", "estate", "update", both, s.unitUpdate),
		tr("POST", "/units/:unit/persons", "person", "manage", both, s.personAdd),
		tr("POST", "/links/:link/end", "person", "manage", both, s.personUnlink),
		tr("GET", "/persons/:person", "estate", "read", both, s.personShow),
		tr("POST", "/persons/:person", "person", "manage", both, s.personUpdate),
		tr("GET", "/search", "estate", "read", both, s.searchShow),
		tr("GET", "/estates/:estate/teams", "team", "read", both, s.teamList),
		tr("POST", "/estates/:estate/teams", "team", "manage", both, s.teamCreate),
		tr("GET", "/estates/:estate/teams/:team", "team", "read", apiOnly, s.teamShow),
		tr("POST", "/estates/:estate/teams/:team", "team", "manage", both, s.teamUpdate),
		tr("POST", "/estates/:estate/teams/:team/members", "team", "manage", both, s.teamMembers),
		tr("POST", "/estates/:estate/teams/:team/archive", "team", "manage", both, s.teamArchive),
		// Duty is the team leader's call, like assigning a worker.
		tr("POST", "/estates/:estate/teams/:team/duty", "ticket", "assign", both, s.teamDuty),
		tr("GET", "/estates/:estate/imports", "estate", "import", both, s.importList),
		tr("POST", "/estates/:estate/imports", "estate", "import", both, s.importCreate),
		tr("GET", "/imports/template.csv", "estate", "import", both, s.importTemplate),
		tr("GET", "/imports/template.xlsx", "estate", "import", both, s.importTemplate),
		tr("GET", "/imports/:import", "estate", "import", both, s.importShow),
		tr("GET", "/imports/:import/progress", "estate", "import", htmlOnly, s.importProgress),
		tr("GET", "/imports/:import/report.csv", "estate", "import", htmlOnly, s.importReport),
		tr("POST", "/imports/:import/apply", "estate", "import", both, s.importApply),
		// Queues. The exports are registered before any /tickets/:ticket
		// route, which would otherwise take "export.csv" for a ticket ID.
		tr("GET", "/tickets", "ticket", "read", both, s.ticketList),
		tr("GET", "/tickets/export.csv", "ticket", "export", both, s.ticketExport),
		tr("GET", "/tickets/export.xlsx", "ticket", "export", both, s.ticketExport),
		// Intake, the ticket page and every action on it. /tickets/new
		// comes before /tickets/:ticket for the same reason.
		tr("GET", "/tickets/new", "ticket", "create", htmlOnly, s.ticketNew),
		tr("GET", "/tickets/new/lookup", "ticket", "create", htmlOnly, s.ticketLookup),
		// JSON on both faces: the intake page fetches it as the clerk types.
		tr("GET", "/tickets/preview", "ticket", "create", both, s.ticketPreview),
		tr("POST", "/tickets", "ticket", "create", both, s.ticketCreate),
		tr("GET", "/tickets/:ticket", "ticket", "read", both, s.ticketShow),
		tr("POST", "/tickets/:ticket/dispatch", "ticket", "dispatch", both, s.ticketDispatch),
		tr("POST", "/tickets/:ticket/transfer", "ticket", "dispatch", both, s.ticketTransfer),
		tr("POST", "/tickets/:ticket/assign", "ticket", "assign", both, s.ticketAssign),
		tr("POST", "/tickets/:ticket/claim", "ticket", "work", both, s.ticketMove("claim")),
		tr("POST", "/tickets/:ticket/accept", "ticket", "work", both, s.ticketMove("accept")),
		tr("POST", "/tickets/:ticket/start", "ticket", "work", both, s.ticketMove("start")),
		tr("POST", "/tickets/:ticket/hold", "ticket", "work", both, s.ticketMove("hold")),
		tr("POST", "/tickets/:ticket/resume", "ticket", "work", both, s.ticketMove("resume")),
		tr("POST", "/tickets/:ticket/complete", "ticket", "work", both, s.ticketMove("complete")),
		tr("POST", "/tickets/:ticket/return", "ticket", "work", both, s.ticketMove("return")),
		tr("POST", "/tickets/:ticket/cancel", "ticket", "update", both, s.ticketMove("cancel")),
		tr("POST", "/tickets/:ticket/close", "ticket", "update", both, s.ticketMove("close")),
		tr("POST", "/tickets/:ticket/reopen", "ticket", "update", both, s.ticketMove("reopen")),
		tr("POST", "/tickets/:ticket/comments", "ticket", "work", both, s.ticketComment),
		tr("POST", "/tickets/:ticket/attachments", "ticket", "work", both, s.ticketAttach),
		tr("POST", "/tickets/:ticket/callbacks", "ticket", "followup", both, s.ticketCallback),
		tr("GET", "/attachments/:attachment", "ticket", "read", both, s.attachmentShow),
		tr("GET", "/field", "ticket", "work", htmlOnly, s.fieldList),
		tr("GET", "/notifications", "tenant", "read", both, s.notificationList),
		tr("POST", "/notifications/read", "tenant", "read", both, s.notificationRead),
		tr("GET", "/settings/tickets", "ticket", "configure", both, s.ticketSettings),
		tr("POST", "/settings/tickets/settings", "ticket", "configure", both, s.ticketSettingsSave),
		tr("POST", "/settings/tickets/policies", "ticket", "configure", both, s.ticketPoliciesSave),
		tr("POST", "/settings/tickets/ladder", "ticket", "configure", both, s.ticketLadderSave),
		tr("POST", "/settings/tickets/categories", "ticket", "configure", both, s.ticketCategoryAdd),
		tr("POST", "/settings/tickets/categories/:category/archive", "ticket", "configure", both, s.ticketCategoryArchive(true)),
		tr("POST", "/settings/tickets/categories/:category/restore", "ticket", "configure", both, s.ticketCategoryArchive(false)),
		tr("POST", "/settings/tickets/categories/:category/staff-complaint", "ticket", "configure", both, s.ticketCategoryStaffComplaint),
		tr("POST", "/settings/tickets/rules", "ticket", "configure", both, s.ticketRuleAdd),
		tr("POST", "/settings/tickets/rules/:rule/delete", "ticket", "configure", both, s.ticketRuleDelete),
		tr("GET", "/settings/webhooks", "ticket", "configure", both, s.webhookList),
		tr("POST", "/settings/webhooks", "ticket", "configure", both, s.webhookCreate),
		tr("POST", "/settings/webhooks/:webhook", "ticket", "configure", both, s.webhookUpdate),
		tr("POST", "/settings/webhooks/:webhook/delete", "ticket", "configure", both, s.webhookDelete),
		tr("GET", "/settings/webhooks/:webhook/deliveries", "ticket", "configure", apiOnly, s.webhookDeliveries),
		tr("GET", "/tickets/:ticket/print", "ticket", "read", htmlOnly, s.ticketPrint),
		// Fees (收费): set-up and runs are the managers', the counter the
		// cashiers'. Fixed paths come before the :param routes beside them.
		// The figures (统计分析): dashboards, targets; the queue's ?kpi=
		// drill-downs list the tickets behind them (docs/kpis.md).
		tr("GET", "/kpis", "report", "read", both, s.kpiShow),
		tr("GET", "/kpis/targets", "report", "read", both, s.kpiTargetList),
		tr("POST", "/kpis/targets", "report", "manage", both, s.kpiTargetSet),
		tr("GET", "/fees", "fee", "read", htmlOnly, s.feeHome),
		tr("GET", "/fees/items", "fee", "read", both, s.feeItemList),
		tr("POST", "/fees/items", "fee", "manage", both, s.feeItemCreate),
		tr("POST", "/fees/items/:item", "fee", "manage", both, s.feeItemUpdate),
		tr("POST", "/fees/items/:item/archive", "fee", "manage", both, s.feeItemArchive(true)),
		tr("POST", "/fees/items/:item/restore", "fee", "manage", both, s.feeItemArchive(false)),
		tr("POST", "/fees/items/:item/rates", "fee", "manage", both, s.feeRateAdd),
		tr("GET", "/fees/runs", "fee", "manage", both, s.feeRunList),
		tr("GET", "/fees/runs/preview", "fee", "manage", both, s.feeRunPreview),
		tr("POST", "/fees/runs", "fee", "manage", both, s.feeRunCreate),
		tr("GET", "/fees/runs/:run", "fee", "manage", both, s.feeRunShow),
		tr("GET", "/fees/counter", "fee", "collect", htmlOnly, s.feeCounter),
		tr("GET", "/fees/units/:unit", "fee", "read", both, s.feeAccountShow),
		tr("POST", "/fees/units/:unit/payments", "fee", "collect", both, s.feePaymentCreate),
		tr("GET", "/fees/payments/:payment", "fee", "read", both, s.feePaymentShow),
		tr("POST", "/fees/payments/:payment/void", "fee", "manage", both, s.feePaymentVoid),
		tr("POST", "/fees/bills/:bill/waivers", "fee", "collect", both, s.feeWaiverRequest),
		// Deciding is also limited to office heads and above in the handler.
		tr("POST", "/fees/waivers/:waiver/approve", "fee", "collect", both, s.feeWaiverDecide(true)),
		tr("POST", "/fees/waivers/:waiver/reject", "fee", "collect", both, s.feeWaiverDecide(false)),
		tr("GET", "/fees/arrears", "fee", "read", both, s.feeArrearsList),
		tr("GET", "/fees/arrears.xlsx", "fee", "read", both, s.feeArrearsExport),
		tr("GET", "/fees/rates", "fee", "read", both, s.feeCollectionRates),
		// PDFs (收款收据, 对账单, 催缴通知书). Each GET of a receipt is a print:
		// the first is the original, later ones copies (副本). Letters are
		// collection work; posted, they are for the ticked units.
		tr("GET", "/fees/payments/:payment/receipt.pdf", "fee", "read", both, s.feeReceiptPDF),
		tr("GET", "/fees/units/:unit/statement.pdf", "fee", "read", both, s.feeStatementPDF),
		tr("GET", "/fees/arrears/letters.pdf", "fee", "collect", both, s.feeLettersPDF),
		tr("POST", "/fees/arrears/letters.pdf", "fee", "collect", both, s.feeLettersPDF),
		// Collection (催缴): reminder batches sent as a job, and the contact
		// attempts recorded on a unit.
		tr("POST", "/fees/reminders", "fee", "collect", both, s.feeReminderCreate),
		tr("GET", "/fees/reminders/:batch", "fee", "collect", both, s.feeReminderShow),
		tr("GET", "/fees/units/:unit/contacts", "fee", "read", both, s.feeContactList),
		tr("POST", "/fees/units/:unit/contacts", "fee", "collect", both, s.feeContactCreate),
		// Meter readings (抄表) are taken by the clerks who collect, on
		// their estates, building by building; the lower-than-last rule
		// checks them. Parking spaces are set-up, like fee items.
		tr("GET", "/fees/readings", "fee", "collect", both, s.feeReadingSheet),
		tr("POST", "/fees/readings", "fee", "collect", both, s.feeReadingRecord),
		tr("GET", "/fees/parking", "fee", "read", both, s.feeParkingList),
		tr("POST", "/fees/parking", "fee", "manage", both, s.feeParkingCreate),
		tr("POST", "/fees/parking/:space", "fee", "manage", both, s.feeParkingUpdate),
		tr("POST", "/fees/parking/:space/archive", "fee", "manage", both, s.feeParkingArchive(true)),
		tr("POST", "/fees/parking/:space/restore", "fee", "manage", both, s.feeParkingArchive(false)),
		// The daily cashier report (日结): one's own day is fee:collect;
		// another clerk's, and reopening, office heads and above (handler).
		tr("GET", "/fees/cashier", "fee", "collect", both, s.feeCashierReport),
		tr("POST", "/fees/cashier/close", "fee", "collect", both, s.feeCashierClose),
		tr("POST", "/fees/cashier/reopen", "fee", "collect", both, s.feeCashierReopen),
		// Late fees (滞纳金): the estate's policy is set-up.
		tr("GET", "/fees/late-fees", "fee", "read", both, s.feeLatePolicyShow),
		tr("POST", "/fees/late-fees", "fee", "manage", both, s.feeLatePolicySet),
		// The monthly report (月度分析报告): generating one is report:export;
		// reading, commenting and sending report:read, within the estate
		// scope (the company's report is a manager's to comment on and
		// send, which the service checks).
		tr("GET", "/reports", "report", "read", both, s.reportList),
		tr("POST", "/reports", "report", "export", both, s.reportGenerate),
		tr("GET", "/reports/:report", "report", "read", both, s.reportShow),
		tr("GET", "/reports/:report/report.pdf", "report", "read", both, s.reportPDF),
		tr("GET", "/reports/:report/report.xlsx", "report", "read", both, s.reportXLSX),
		tr("POST", "/reports/:report/commentary", "report", "read", both, s.reportCommentary),
		tr("POST", "/reports/:report/send", "report", "read", both, s.reportSend),
		// Billing (docs/billing.md): the manager's alone. These stay open to
		// a past-due or suspended company (resolveTenant), so that it can pay.
		tr("GET", "/billing", "subscription", "manage", both, s.billingShow),
		tr("POST", "/billing/checkout", "subscription", "manage", both, s.billingCheckout),
		tr("POST", "/billing/portal", "subscription", "manage", both, s.billingPortal),
		tr("POST", "/billing/plan", "subscription", "manage", both, s.billingPlan),
		// The company's data, which a suspended company keeps and may take.
		tr("GET", "/billing/export/tickets.xlsx", "subscription", "manage", both, s.ticketExport),
		tr("GET", "/billing/export/units.xlsx", "subscription", "manage", both, s.billingExportUnits),
		tr("GET", "/billing/export/owners.xlsx", "subscription", "manage", both, s.billingExportOwners),
	}
}

func (s *Server) routes(app *fiber.App) {
	app.Use(s.requestLog, recover.New(), s.securityHeaders)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.Metrics.handler())
	app.Get("/static/*", s.serveStatic)
	// Stripe signs its webhooks; no session or CSRF token applies.
	app.Post("/stripe/webhook", s.stripeWebhook)
	// The residents' portal has its own sessions, CSRF and error pages:
	// mounted here, its requests never reach the staff's session loading
	// below, and it answers every path under /r/:slug itself.
	if s.Portal != nil {
		s.Portal.Mount(app.Group("/r/:slug"), s.checkInput)
	}

	// Everything registered below needs the session and the CSRF check;
	// Fiber runs handlers in registration order, so the probes above skip them.
	app.Use(s.loadSession, s.csrf, s.checkInput)

	// HTML pages.
	web := app
	web.Get("/", s.rootRedirect)
	web.Get("/login", s.loginForm)
	web.Post("/login", s.login)
	web.Get("/login/two-factor", s.twoFactorForm)
	web.Post("/login/two-factor", s.twoFactorLogin)
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
	web.Post("/account/password", s.requireUser, s.accountPassword)
	web.Post("/account/mobile", s.requireUser, s.accountMobile)
	web.Get("/account/two-factor", s.requireUser, s.accountTwoFactor)
	web.Post("/account/two-factor/setup", s.requireUser, s.accountTwoFactorSetup)
	web.Post("/account/two-factor/enable", s.requireUser, s.accountTwoFactorEnable)
	web.Post("/account/two-factor/disable", s.requireUser, s.accountTwoFactorDisable)
	// Sign-up: the company's own way in (docs/billing.md).
	web.Get("/signup", s.signupForm)
	web.Post("/signup", s.signupCreate)
	web.Get("/signup/slug", s.signupSlug)
	web.Get("/confirm/:token", s.emailConfirm)
	web.Post("/account/confirm", s.requireUser, s.emailConfirmResend)

	admin := web.Group("/admin", s.requireAdmin)
	admin.Get("/", s.adminTenantList)
	admin.Post("/tenants", s.adminTenantCreate)
	admin.Get("/tenants/:id", s.adminTenantShow)
	admin.Post("/tenants/:id/status", s.adminTenantStatus)
	admin.Post("/tenants/:id/manifest", s.adminManifestApply)
	admin.Post("/tenants/:id/estate", s.adminEstateOnboard)
	admin.Post("/tenants/:id/billing", s.adminTenantBilling)

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
	apiAdmin.Get("/business", s.adminBusiness)
	apiAdmin.Get("/tenants", s.adminTenantList)
	apiAdmin.Post("/tenants", s.adminTenantCreate)
	apiAdmin.Get("/tenants/:id", s.adminTenantShow)
	apiAdmin.Post("/tenants/:id/status", s.adminTenantStatus)
	apiAdmin.Post("/tenants/:id/manifest", s.adminManifestApply)
	apiAdmin.Post("/tenants/:id/billing", s.adminTenantBilling)
	api.Post("/signup", s.signupCreate)
	api.Get("/signup/slug", s.signupSlug)
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
