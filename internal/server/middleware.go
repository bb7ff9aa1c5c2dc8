package server

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/logging"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

const (
	cookieSession = "ed_session"
	cookieCSRF    = "ed_csrf"
	cookieLang    = "ed_lang"
	cookieFlash   = "ed_flash"
	headerCSRF    = "X-CSRF-Token"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestLog gives each request an ID (kept from X-Request-ID when sane),
// puts it in the context for every log line, and logs the outcome once.
func (s *Server) requestLog(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get(fiber.HeaderXRequestID)
	if !requestIDPattern.MatchString(id) {
		id = uuid.Must(uuid.NewV7()).String()
	}
	c.Set(fiber.HeaderXRequestID, id)
	c.SetUserContext(logging.WithRequestID(c.UserContext(), id))
	err := c.Next()
	if err != nil {
		if herr := s.handleError(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := c.Route().Path
	elapsed := time.Since(start)
	s.Metrics.observe(c.Method(), route, status, elapsed)
	if !s.Log.Enabled(c.UserContext(), slog.LevelInfo) {
		return nil
	}
	attrs := []any{"method", c.Method(), "route", route, "path", c.Path(), "status", status,
		"duration_ms", float64(elapsed.Microseconds()) / 1000, "ip", c.IP()}
	if u := userOf(c); u != nil {
		attrs = append(attrs, "user_id", u.ID)
	}
	s.Log.InfoContext(c.UserContext(), "request", attrs...)
	return nil
}

// securityHeaders: no framing, no sniffing, scripts and styles only from us.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
	if s.Config.SecureCookies() {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// loadSession resolves the bearer token or session cookie, if any, and the
// language of the reply.
func (s *Server) loadSession(c *fiber.Ctx) error {
	token, bearer := "", false
	if h := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
		token, bearer = strings.TrimSpace(h[len("Bearer "):]), true
	} else {
		token = c.Cookies(cookieSession)
	}
	if token != "" {
		sess, err := s.Accounts.Authenticate(c.UserContext(), token)
		switch {
		case err == nil && sess.AwaitingSecondFactor:
			c.Locals(localPending, sess)
		case err == nil:
			c.Locals(localSession, sess)
		case errors.Is(err, account.ErrSessionInvalid):
			if bearer {
				return errUnauthorized
			}
			s.dropCookie(c, cookieSession)
		default:
			return err
		}
	}
	c.Locals(localLang, s.pickLang(c))
	return c.Next()
}

func (s *Server) pickLang(c *fiber.Ctx) string {
	if u := userOf(c); u != nil && i18n.Supported(u.Locale) {
		return u.Locale
	}
	if l := c.Cookies(cookieLang); i18n.Supported(l) {
		return l
	}
	if h := c.Get(fiber.HeaderAcceptLanguage); h != "" {
		return s.Catalog.Match(h)
	}
	return i18n.Default
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// csrfToken is the token forms must echo: the session's own for a signed-in
// browser, otherwise a double-submit cookie set here on first sight.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	if sess := sessionOf(c); sess != nil {
		return sess.CSRFToken
	}
	if t, ok := c.Locals(localCSRF).(string); ok {
		return t
	}
	t := c.Cookies(cookieCSRF)
	if len(t) < 32 {
		t = uuid.NewString() + uuid.NewString()
		c.Cookie(&fiber.Cookie{Name: cookieCSRF, Value: t, Path: "/", HTTPOnly: true,
			SameSite: fiber.CookieSameSiteLaxMode, Secure: s.Config.SecureCookies()})
	}
	c.Locals(localCSRF, t)
	return t
}

// csrf guards every state-changing request made with cookies. Bearer-token
// requests carry no ambient credential and are exempt.
func (s *Server) csrf(c *fiber.Ctx) error {
	if safeMethod(c.Method()) || strings.HasPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ") {
		return c.Next()
	}
	if isAPI(c) && sessionOf(c) == nil && c.Cookies(cookieSession) == "" {
		return c.Next() // no cookie, nothing to ride on
	}
	want := ""
	if sess := sessionOf(c); sess != nil {
		want = sess.CSRFToken
	} else {
		want = c.Cookies(cookieCSRF)
	}
	got := c.Get(headerCSRF)
	if got == "" {
		got = c.FormValue("_csrf")
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return errCSRF
	}
	return c.Next()
}

// requireUser sends anonymous visitors to sign in (HTML) or answers 401 (API).
func (s *Server) requireUser(c *fiber.Ctx) error {
	if userOf(c) == nil {
		return errUnauthorized
	}
	return c.Next()
}

// requireAdmin hides the platform console from everyone but platform admins,
// who must have signed in with two factors.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	if u := userOf(c); u == nil || !u.PlatformAdmin {
		if u == nil {
			return errUnauthorized
		}
		return errNotFoundRoute
	}
	if !sessionOf(c).SecondFactor {
		return s.enrolFirst(c)
	}
	return c.Next()
}

// enrolFirst answers a request that needs a two-factor sign-in: a browser
// goes to set it up (or, on already, to sign in again), an API client
// gets 403 two_factor_required.
func (s *Server) enrolFirst(c *fiber.Ctx) error {
	if isAPI(c) {
		return account.ErrTwoFactorRequired
	}
	return c.Redirect("/account/two-factor", fiber.StatusSeeOther)
}

// resolveTenant finds the workspace of the URL. An unknown slug and a tenant
// the user is not a member of look the same: 404, so nobody learns which
// companies exist.
func (s *Server) resolveTenant(c *fiber.Ctx) error {
	u := userOf(c)
	ctx := c.UserContext()
	t, err := s.tenants.bySlug(ctx, c.Params("slug"))
	if errors.Is(err, database.ErrNotFound) {
		return errNotFoundRoute
	} else if err != nil {
		return err
	}
	if err := s.Authz.Sync(ctx, t.ID, t.RBACVersion); err != nil {
		return err
	}
	if len(s.Authz.Roles(u.ID, t.ID)) == 0 {
		return errNotFoundRoute
	}
	if t.RequireTwoFactor && !sessionOf(c).SecondFactor {
		return s.enrolFirst(c)
	}
	c.Locals(localTenant, t)
	c.SetUserContext(tenant.WithTenant(ctx, t))
	if !t.Status.Open() && !billingPath(c, t) {
		return errSuspended
	}
	if !t.Status.Writable() && !safeMethod(c.Method()) && !billingPath(c, t) {
		return errReadOnly
	}
	return c.Next()
}

// billingPath: the request is for the workspace's billing pages, which a
// past-due or suspended company must reach to pay (their routes still
// need subscription:manage).
func billingPath(c *fiber.Ctx, t *tenant.Tenant) bool {
	p := strings.TrimPrefix(c.Path(), "/api/v1")
	rest, ok := strings.CutPrefix(p, "/t/"+t.Slug)
	return ok && (rest == "/billing" || strings.HasPrefix(rest, "/billing/"))
}

// can is the inline permission of a route in the table.
func (s *Server) can(object, action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, t := userOf(c), tenantOf(c)
		if u == nil || t == nil || !s.Authz.Can(u.ID, t.ID, object, action) {
			return errForbidden
		}
		return c.Next()
	}
}

// safeNext is the next= parameter of a sign-in link back to target.
func safeNext(target string) string {
	return url.QueryEscape(localPath(target))
}
