package report

import "errors"

// Errors of the report use cases. A report or estate outside the caller's
// tenant or scope is database.ErrNotFound, as if it did not exist.
var (
	ErrInvalidMonth      = errors.New("report: the month must look like 2026-11")
	ErrCommentaryTooLong = errors.New("report: the commentary is too long")
	// ErrNotAuthor: the company's report is commented on and sent by a
	// manager.
	ErrNotAuthor   = errors.New("report: only a manager comments on and sends the company's report")
	ErrAlreadySent = errors.New("report: the report has been sent")
)
