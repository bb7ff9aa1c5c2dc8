package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/kpi"
)

// kpiErrors names each KPI error's message ("error.<code>" in
// web/locales/kpidash.*.yaml); all answer 422.
var kpiErrors = []struct {
	err  error
	code string
}{
	{kpi.ErrInvalidMonth, "kpi_invalid_month"},
	{kpi.ErrInvalidFigure, "kpi_invalid_figure"},
	{kpi.ErrInvalidTarget, "kpi_invalid_target"},
	{kpi.ErrInvalidDrill, "kpi_invalid_drill"},
}

// classifyKPI maps the KPI service's errors; ok is false for any other.
func classifyKPI(err error) (status int, code string, ok bool) {
	for _, ke := range kpiErrors {
		if errors.Is(err, ke.err) {
			return fiber.StatusUnprocessableEntity, ke.code, true
		}
	}
	return 0, "", false
}
