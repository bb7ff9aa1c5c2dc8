package server

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"

	"github.com/estatedesk/estatedesk/internal/account"
)

// accountTwoFactor: whether two-factor sign-in is on, required, and the
// authenticator being set up with its QR code.
func (s *Server) accountTwoFactor(c *fiber.Ctx) error {
	return s.showTwoFactor(c, nil, nil)
}

func (s *Server) showTwoFactor(c *fiber.Ctx, fail *formFail, codes []string) error {
	ctx := c.UserContext()
	u, err := s.Accounts.UserByID(ctx, userOf(c).ID)
	if err != nil {
		return err
	}
	required, err := s.Accounts.TwoFactorRequired(ctx, u)
	if err != nil {
		return err
	}
	left, err := s.Accounts.RecoveryCodesLeft(ctx, u.ID)
	if err != nil {
		return err
	}
	data := map[string]any{"On": u.TwoFactor(), "Required": required, "ThisSession": sessionOf(c).SecondFactor,
		"RecoveryLeft": left, "RecoveryCodes": codes}
	if key := s.Accounts.PendingTwoFactor(u); key != nil {
		qr, err := qrDataURI(key)
		if err != nil {
			return err
		}
		data["Pending"] = map[string]any{"QR": qr, "Secret": key.Secret()}
	}
	return s.render(c, "account_two_factor", "two_factor.title", withForms(data, fail))
}

// qrDataURI is the key's otpauth:// URL as a PNG QR code inline in the page
// (the content security policy allows data: images, and the secret never
// sits at a URL of its own).
func qrDataURI(key *otp.Key) (template.URL, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	// Ours, not typed by anyone: safe as a URL in the page.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// accountTwoFactorSetup makes a new secret to scan.
func (s *Server) accountTwoFactorSetup(c *fiber.Ctx) error {
	if _, err := s.Accounts.BeginTwoFactor(c.UserContext(), userOf(c).ID); err != nil {
		return err
	}
	return c.Redirect("/account/two-factor", fiber.StatusSeeOther)
}

type twoFactorEnableInput struct {
	Code string `form:"code"`
}

// accountTwoFactorEnable turns it on with a code from the authenticator and
// shows the recovery codes, this once.
func (s *Server) accountTwoFactorEnable(c *fiber.Ctx) error {
	var in twoFactorEnableInput
	if err := parse(c, &in); err != nil {
		return err
	}
	codes, err := s.Accounts.EnableTwoFactor(c.UserContext(), userOf(c).ID, sessionOf(c).ID, in.Code, s.client(c))
	if err != nil {
		return s.twoFactorRefused(c, err, "Enable")
	}
	sessionOf(c).SecondFactor = true
	return s.showTwoFactor(c, nil, codes)
}

type twoFactorDisableInput struct {
	Password string `form:"current_password"`
}

// accountTwoFactorDisable turns it off with the current password, where it
// is not required.
func (s *Server) accountTwoFactorDisable(c *fiber.Ctx) error {
	var in twoFactorDisableInput
	if err := parse(c, &in); err != nil {
		return err
	}
	if !sessionOf(c).SecondFactor {
		// Only someone who signed in with the second factor may drop it.
		return s.twoFactorRefused(c, account.ErrTwoFactorRequired, "Disable")
	}
	if err := s.Accounts.DisableTwoFactor(c.UserContext(), userOf(c).ID, in.Password, s.client(c)); err != nil {
		return s.twoFactorRefused(c, err, "Disable")
	}
	return s.done(c, "/account/two-factor", "two_factor.disabled", fiber.StatusNoContent, nil)
}

// twoFactorRefused re-shows the page with why a code or password was
// refused (a throttled try with its wait); faults go to the error handler.
func (s *Server) twoFactorRefused(c *fiber.Ctx, err error, form string) error {
	status, code := classify(err)
	if status >= 500 || status == fiber.StatusNotFound {
		return err
	}
	msg := s.Catalog.T(langOf(c), "error."+code, nil)
	var te *account.ThrottledError
	if errors.As(err, &te) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(te.RetryAfter.Seconds()+0.5)))
		msg = s.Catalog.T(langOf(c), "login.throttled", map[string]any{"Minutes": retryMinutes(te)})
	}
	c.Status(status)
	return s.showTwoFactor(c, &formFail{Form: form, Message: msg}, nil)
}
