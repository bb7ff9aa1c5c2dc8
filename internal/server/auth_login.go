package server

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
)

type loginInput struct {
	Email    string `json:"email" form:"email"`
	Password string `json:"password" form:"password"`
	Code     string `json:"code" form:"code"` // two-factor or recovery code
	Next     string `json:"-" form:"next"`
}

func (s *Server) loginForm(c *fiber.Ctx) error {
	if userOf(c) != nil {
		return c.Redirect(localPath(c.Query("next", "/")))
	}
	return s.render(c, "login", "login.title", map[string]any{"Next": localPath(c.Query("next", "/"))})
}

// login signs a browser in. Wrong credentials and throttling re-show the
// form with the reason; the email typed is kept.
func (s *Server) login(c *fiber.Ctx) error {
	var in loginInput
	if err := parse(c, &in); err != nil {
		return err
	}
	sess, token, err := s.Accounts.SignIn(c.UserContext(), account.Credentials{Email: in.Email, Password: in.Password}, s.client(c), account.KindWeb)
	if err != nil {
		data, err := signInRefused(c, err)
		if err != nil {
			return err
		}
		data["Next"], data["Email"] = localPath(in.Next), in.Email
		return s.render(c, "login", "login.title", data)
	}
	s.setSessionCookie(c, token, sess)
	if sess.AwaitingSecondFactor {
		return c.Redirect("/login/two-factor?next="+safeNext(in.Next), fiber.StatusSeeOther)
	}
	c.Locals(localSession, sess)
	return c.Redirect(localPath(in.Next), fiber.StatusSeeOther)
}

// signInRefused is the page data of a refused password or code: the
// message, and for a throttled try its wait (also in Retry-After). Faults
// go back to the error handler.
func signInRefused(c *fiber.Ctx, err error) (map[string]any, error) {
	status, code := classify(err)
	var te *account.ThrottledError
	if errors.As(err, &te) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(te.RetryAfter.Seconds()+0.5)))
	} else if status >= 500 || errors.Is(err, account.ErrSessionInvalid) {
		return nil, err
	}
	msg := "error." + code
	if te != nil {
		msg = "login.throttled"
	}
	c.Status(status)
	return map[string]any{"Error": msg, "RetryMinutes": retryMinutes(te)}, nil
}

func retryMinutes(te *account.ThrottledError) int {
	if te == nil {
		return 0
	}
	return int(te.RetryAfter.Minutes()) + 1
}

func (s *Server) setSessionCookie(c *fiber.Ctx, token string, sess *account.Session) {
	c.Cookie(&fiber.Cookie{Name: cookieSession, Value: token, Path: "/", HTTPOnly: true, Secure: s.Config.SecureCookies(),
		SameSite: fiber.CookieSameSiteLaxMode, Expires: sess.ExpiresAt})
}
