package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/subscription"
)

// signupInput is everything a sign-up may set. A field not named here
// (status, plan limits, a tenant ID) is never read.
type signupInput struct {
	Name        string `json:"company_name" form:"company_name"`
	Slug        string `json:"slug" form:"slug"`
	ManagerName string `json:"manager_name" form:"manager_name"`
	Email       string `json:"email" form:"email"`
	Mobile      string `json:"mobile" form:"mobile"`
	Password    string `json:"password" form:"password"`
	Plan        string `json:"plan" form:"plan"`
	// Website is the honeypot: hidden from people, filled in by bots.
	Website string `json:"website" form:"website"`
}

func (s *Server) signupForm(c *fiber.Ctx) error {
	plan := c.Query("plan", "starter")
	return s.render(c, "signup", "signup.title", map[string]any{"Plans": s.Subscriptions.Plans(), "Form": signupInput{Plan: plan}})
}

// signupCreate signs a company up: the company in its trial, its founder
// signed in as its manager, then the workspace with its first steps.
func (s *Server) signupCreate(c *fiber.Ctx) error {
	var in signupInput
	if err := parse(c, &in); err != nil {
		return err
	}
	if err := s.signup(c, in); err != nil {
		return s.signupFailed(c, err, in)
	}
	return nil
}

func (s *Server) signup(c *fiber.Ctx, in signupInput) error {
	ctx := c.UserContext()
	if in.Website != "" {
		return errHoneypot
	}
	if err := s.Accounts.CountSignup(ctx, s.client(c).IP, s.Config.SignupMaxPerAddress); err != nil {
		return err
	}
	t, u, link, err := s.Subscriptions.SignUp(ctx, subscription.Signup{
		Slug: strings.ToLower(strings.TrimSpace(in.Slug)), Name: in.Name, Plan: in.Plan, TimeZone: s.Config.DefaultTimeZone,
		Founder: account.Founder{Email: in.Email, Name: in.ManagerName, Mobile: in.Mobile, Password: in.Password},
	})
	if err != nil {
		return err
	}
	lang := langOf(c)
	if link != "" {
		s.Accounts.SendConfirmation(ctx, u, link, lang)
	}
	if u.Locale == "" {
		// The language the company signed up in is its manager's.
		if err := s.Accounts.SetLocale(ctx, u.ID, lang); err != nil {
			return err
		}
	}
	kind := account.KindWeb
	if isAPI(c) {
		kind = account.KindAPI
	}
	sess, token, err := s.Accounts.OpenSession(ctx, u, kind, s.client(c))
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.Status(fiber.StatusCreated).JSON(fiber.Map{"tenant": t, "token": token})
	}
	s.setSessionCookie(c, token, sess)
	s.flash(c, "signup.welcome", map[string]any{"Name": t.Name})
	return c.Redirect("/t/"+t.Slug+"/?welcome=1", fiber.StatusSeeOther)
}

// signupFailed shows the form again as typed, but for the password.
func (s *Server) signupFailed(c *fiber.Ctx, err error, in signupInput) error {
	status, code := classify(err)
	if isAPI(c) || status >= 500 {
		return err
	}
	setRetryAfter(c, err)
	in.Password, in.Website = "", ""
	var data map[string]any
	if md, ok := err.(interface{ MessageData() map[string]any }); ok {
		data = md.MessageData()
	}
	return s.render(c.Status(status), "signup", "signup.title", map[string]any{
		"Plans": s.Subscriptions.Plans(), "Form": in, "Error": "error." + code, "ErrorData": data,
	})
}
