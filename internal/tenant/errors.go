package tenant

import "errors"

var (
	ErrInvalidSlug   = errors.New("tenant: invalid slug")
	ErrSlugTaken     = errors.New("tenant: slug taken")
	ErrInvalidName   = errors.New("tenant: invalid name")
	ErrInvalidPlan   = errors.New("tenant: unknown plan")
	ErrInvalidZone   = errors.New("tenant: unknown time zone")
	ErrInvalidStatus = errors.New("tenant: invalid status")
)
