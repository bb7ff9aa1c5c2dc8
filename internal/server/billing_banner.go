package server

import (
	"bytes"
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// banner is what the workspace's banners need: the trial, a company that
// must pay, an address to confirm, and the first steps after sign-up.
type banner struct {
	P             *Page
	Welcome       bool
	TrialDaysLeft int
	Trialing      bool
	PastDue       bool
	Suspended     bool
	Unconfirmed   bool
	Manager       bool
}

// writeBanners writes the banners above a workspace page's content. They
// change with the company's status and the user's address, not with the
// page, so they stay out of the cached chrome.
func (s *Server) writeBanners(c *fiber.Ctx, buf *bytes.Buffer, t *template.Template, p *Page) error {
	if p.Tenant == nil || p.User == nil {
		return nil
	}
	b := banner{P: p, Welcome: c.Query("welcome") == "1", Unconfirmed: p.User.EmailUnconfirmed,
		Manager: p.Can("subscription", "manage")}
	switch p.Tenant.Status {
	case tenant.Trialing:
		b.Trialing = true
		if p.Tenant.TrialEndsAt != nil {
			b.TrialDaysLeft = max(0, int((time.Until(*p.Tenant.TrialEndsAt)+24*time.Hour-1)/(24*time.Hour)))
		}
	case tenant.PastDue:
		b.PastDue = true
	case tenant.Suspended, tenant.Canceled:
		b.Suspended = true
	}
	if !b.Trialing && !b.PastDue && !b.Suspended && !b.Unconfirmed && !b.Welcome {
		return nil
	}
	return t.ExecuteTemplate(buf, "billing_banner", b)
}
