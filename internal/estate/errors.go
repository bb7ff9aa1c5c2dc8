package estate

import "errors"

var (
	ErrInvalidName     = errors.New("estate: name required, at most 100 characters")
	ErrNameTaken       = errors.New("estate: name already used")
	ErrInvalidHours    = errors.New("estate: invalid business hours")
	ErrInvalidDay      = errors.New("estate: invalid calendar day")
	ErrInvalidArea     = errors.New("estate: invalid area")
	ErrInvalidUnit     = errors.New("estate: invalid unit")
	ErrUnitTaken       = errors.New("estate: unit number already used in the building")
	ErrInvalidPhone    = errors.New("estate: invalid phone number")
	ErrInvalidPerson   = errors.New("estate: invalid person")
	ErrInvalidRelation = errors.New("estate: invalid relation")
	ErrArchived        = errors.New("estate: archived")
)
