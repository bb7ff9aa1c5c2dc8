package kpi

import "errors"

// Errors of the KPI use cases. An estate outside the caller's tenant or
// scope is database.ErrNotFound, as if it did not exist.
var (
	ErrInvalidMonth  = errors.New("kpi: the month must look like 2026-11")
	ErrInvalidFigure = errors.New("kpi: unknown figure")
	ErrInvalidTarget = errors.New("kpi: the target must be a number in the figure's unit (a percentage 0–100 with at most two decimals, or a whole number of zero or more)")
)
