package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// settingsInput is the call-back settings as the API sends them.
type settingsInput struct {
	CallbackTypes        flexList `json:"callback_types"`
	CallbackMaxAttempts  int      `json:"callback_max_attempts"`
	CallbackRetryMinutes int      `json:"callback_retry_minutes"`
	FollowupDays         int      `json:"followup_days"`
	WarnPercent          int      `json:"warn_percent"`
	// CallbackCloses is true when absent, the default.
	CallbackCloses *bool `json:"callback_closes"`
}

// ticketSettingsSave replaces the call-back and warning settings.
func (s *Server) ticketSettingsSave(c *fiber.Ctx) error {
	var st ticket.Settings
	form := settingsForm{}
	if isAPI(c) {
		var in settingsInput
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		st = ticket.Settings{CallbackTypes: string(in.CallbackTypes), CallbackMaxAttempts: in.CallbackMaxAttempts,
			CallbackRetryMinutes: in.CallbackRetryMinutes, FollowupDays: in.FollowupDays, WarnPercent: in.WarnPercent,
			CallbackCloses: in.CallbackCloses == nil || *in.CallbackCloses}
	} else {
		form = settingsForm{CallbackTypes: formList(c, "callback_types"), CallbackMaxAttempts: c.FormValue("callback_max_attempts"),
			CallbackRetryMinutes: c.FormValue("callback_retry_minutes"), FollowupDays: c.FormValue("followup_days"), WarnPercent: c.FormValue("warn_percent"),
			CallbackCloses: c.FormValue("callback_closes") == "true"}
		st.CallbackCloses = form.CallbackCloses
		st.CallbackTypes = strings.Join(form.CallbackTypes, ",")
		var err error
		for _, f := range []struct {
			text string
			dst  *int
		}{{form.CallbackMaxAttempts, &st.CallbackMaxAttempts}, {form.CallbackRetryMinutes, &st.CallbackRetryMinutes},
			{form.FollowupDays, &st.FollowupDays}, {form.WarnPercent, &st.WarnPercent}} {
			if *f.dst, err = atoi(f.text, ticket.ErrInvalidSettings); err != nil {
				break
			}
		}
		if err != nil {
			return s.settingsRefused(c, err, "Settings", form)
		}
	}
	if err := s.Tickets.SetSettings(c.UserContext(), tenantOf(c).ID, st); err != nil {
		return s.settingsRefused(c, err, "Settings", form)
	}
	return s.savedSettings(c, "callbacks", "queue.settings.saved")
}

// settingsRefused shows the settings page again with the refused form as
// typed and its reason; for the API, and for what is not the form's fault,
// it is the error.
func (s *Server) settingsRefused(c *fiber.Ctx, err error, form string, values any) error {
	fail, err := s.refused(c, err, form, values)
	if err != nil {
		return err
	}
	return s.showTicketSettings(c, fail)
}
