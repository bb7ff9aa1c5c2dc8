package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeParkingInput is a parking space as the API sends it (the estate on
// creation; the unit and person by ID or by unit code and phone) or as a
// browser's form does: the form keeps the space's person (person_id,
// hidden) unless a phone is typed or no_person is ticked, since it shows
// the person's name, not a phone to send back.
type feeParkingInput struct {
	EstateID string `json:"estate_id" form:"estate_id"`
	fee.ParkingInput
	FormPersonID string `json:"-" form:"person_id"`
	NoPerson     bool   `json:"-" form:"no_person"`
}

func (in *feeParkingInput) person(c *fiber.Ctx) {
	if isAPI(c) || in.NoPerson || strings.TrimSpace(in.PersonPhone) != "" {
		return
	}
	if id, err := uuid.Parse(in.FormPersonID); err == nil {
		in.PersonID = &id
	}
}
