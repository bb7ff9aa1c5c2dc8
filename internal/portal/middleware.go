package portal

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/resident"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

const (
	// cookieSession is the resident's session, on the company's portal
	// path only: the staff's session cookie (ed_session) is another.
	cookieSession = "ed_resident"
	cookieCSRF    = "ed_rcsrf"
	cookieLang    = "ed_lang"
)

var (
	errNotFound = errors.New("portal: not found")
	errCSRF     = errors.New("portal: CSRF token missing or wrong")
	errSignIn   = errors.New("portal: sign in first")
)

// resolveTenant finds the company of the URL. An unknown slug and a
// company whose workspace is closed look the same: 404.
func (p *Portal) resolveTenant(c *fiber.Ctx) error {
	t, err := p.bySlug(c.UserContext(), c.Params("slug"))
	if errors.Is(err, database.ErrNotFound) || (err == nil && !t.Status.Open()) {
		c.Locals(localLang, p.pickLang(c))
		return errNotFound
	} else if err != nil {
		return err
	}
	c.Locals(localTenant, t)
	c.SetUserContext(tenant.WithTenant(c.UserContext(), t))
	return c.Next()
}

// loadSession reads the resident's cookie. Only a resident session of this
// company counts; a staff token is not found among them.
func (p *Portal) loadSession(c *fiber.Ctx) error {
	if token := c.Cookies(cookieSession); token != "" {
		sess, err := p.Residents.Authenticate(c.UserContext(), tenantOf(c).ID, token)
		switch {
		case err == nil:
			c.Locals(localSession, sess)
		case errors.Is(err, resident.ErrSessionInvalid):
			p.dropCookie(c, cookieSession)
		default:
			return err
		}
	}
	c.Locals(localLang, p.pickLang(c))
	return c.Next()
}

// pickLang: the visitor's choice, else Chinese — the portal does not
// follow the phone's Accept-Language, residents expect it in Chinese.
func (p *Portal) pickLang(c *fiber.Ctx) string {
	if l := c.Cookies(cookieLang); i18n.Supported(l) {
		return l
	}
	return i18n.Default
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// csrfToken is the token forms echo: the session's, or before sign-in a
// double-submit cookie on the portal's path.
func (p *Portal) csrfToken(c *fiber.Ctx) string {
	if s := sessionOf(c); s != nil {
		return s.CSRFToken
	}
	if t, ok := c.Locals(localCSRF).(string); ok {
		return t
	}
	t := c.Cookies(cookieCSRF)
	if len(t) < 32 {
		t = randomToken()
		c.Cookie(p.cookie(c, cookieCSRF, t, 0))
	}
	c.Locals(localCSRF, t)
	return t
}

func (p *Portal) csrf(c *fiber.Ctx) error {
	if safeMethod(c.Method()) {
		return c.Next()
	}
	want := c.Cookies(cookieCSRF)
	if s := sessionOf(c); s != nil {
		want = s.CSRFToken
	}
	got := c.Get("X-CSRF-Token")
	if got == "" {
		got = c.FormValue("_csrf")
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return errCSRF
	}
	return c.Next()
}

func (p *Portal) requireResident(c *fiber.Ctx) error {
	if sessionOf(c) == nil {
		return errSignIn
	}
	return c.Next()
}

func (p *Portal) cookie(c *fiber.Ctx, name, value string, maxAge int) *fiber.Cookie {
	return &fiber.Cookie{Name: name, Value: value, Path: base(c), HTTPOnly: true, MaxAge: maxAge,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: p.Config.SecureCookies()}
}

func (p *Portal) dropCookie(c *fiber.Ctx, name string) {
	ck := p.cookie(c, name, "", -1)
	c.Cookie(ck)
}

// handleErrors renders the portal's own error page: a portal error never
// shows the staff's layout or sends anyone to the staff's sign-in.
func (p *Portal) handleErrors(c *fiber.Ctx) error {
	err := c.Next()
	if err == nil {
		return nil
	}
	status, msg := http.StatusInternalServerError, "portal.error.internal"
	var fe *fiber.Error
	var input interface{ MessageData() map[string]any }
	switch {
	case errors.Is(err, errSignIn):
		return c.Redirect(base(c)+"login", fiber.StatusSeeOther)
	case errors.Is(err, errNotFound), errors.Is(err, database.ErrNotFound):
		status, msg = http.StatusNotFound, "portal.error.not_found"
	case errors.Is(err, errCSRF):
		status, msg = http.StatusForbidden, "portal.error.csrf"
	case errors.As(err, &input):
		// The server's input check: text that is not text.
		status, msg = http.StatusUnprocessableEntity, "portal.error.invalid_text"
	case errors.As(err, &fe):
		status, msg = fe.Code, "portal.error.internal"
		if fe.Code == http.StatusNotFound {
			msg = "portal.error.not_found"
		}
	}
	if status >= 500 {
		p.Log.ErrorContext(c.UserContext(), "portal request failed", "path", c.Path(), "err", err)
	}
	if c.Locals(localLang) == nil {
		c.Locals(localLang, p.pickLang(c))
	}
	c.Status(status)
	return p.render(c, "error", "portal.error.title", map[string]any{"Message": msg, "Status": status})
}
