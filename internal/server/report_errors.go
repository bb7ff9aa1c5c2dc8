package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/report"
)

// reportErrors names each report error's message ("error.<code>" in
// web/locales/kpireport.*.yaml).
var reportErrors = []struct {
	err    error
	status int
	code   string
}{
	{report.ErrInvalidMonth, fiber.StatusUnprocessableEntity, "report_invalid_month"},
	{report.ErrCommentaryTooLong, fiber.StatusUnprocessableEntity, "report_commentary_too_long"},
	{report.ErrNotAuthor, fiber.StatusForbidden, "report_not_author"},
	{report.ErrAlreadySent, fiber.StatusConflict, "report_already_sent"},
}

// classifyReport maps the report service's errors; ok is false for any
// other.
func classifyReport(err error) (status int, code string, ok bool) {
	for _, re := range reportErrors {
		if errors.Is(err, re.err) {
			return re.status, re.code, true
		}
	}
	return 0, "", false
}
