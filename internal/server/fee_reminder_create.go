package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeReminderInput is a batch of reminders as sent: the arrears list's
// filters, the ticked units (none: every unit the filters list), and the
// form's own token, which makes a double-clicked submit one batch (the
// API sends an Idempotency-Key header).
type feeReminderInput struct {
	EstateID    string   `json:"estate_id" form:"estate_id"`
	BuildingID  string   `json:"building_id" form:"building"`
	ItemID      string   `json:"item_id" form:"item"`
	Age         string   `json:"age" form:"age"`
	MinFen      int64    `json:"min_fen" form:"min_fen"`
	AsOf        string   `json:"as_of" form:"as_of"`
	Units       []string `json:"units" form:"unit"`
	ClientToken string   `json:"client_token" form:"client_token"`
}

// feeReminderCreate makes a batch of reminders (催缴) and queues the job
// that sends them: 202 with the batch (a retry with the same key 200 and
// Idempotent-Replayed), the page follows its progress.
func (s *Server) feeReminderCreate(c *fiber.Ctx) error {
	var in feeReminderInput
	if err := parse(c, &in); err != nil {
		return err
	}
	ri := fee.ReminderInput{Query: fee.AgingQuery{Age: in.Age, MinFen: in.MinFen, AsOf: in.AsOf}}
	var err error
	if ri.Query.EstateID, err = uuid.Parse(in.EstateID); err != nil {
		return database.ErrNotFound
	}
	for _, f := range []struct {
		v   string
		dst **uuid.UUID
	}{{in.BuildingID, &ri.Query.BuildingID}, {in.ItemID, &ri.Query.ItemID}} {
		if f.v == "" {
			continue
		}
		id, err := uuid.Parse(f.v)
		if err != nil {
			return database.ErrNotFound
		}
		*f.dst = &id
	}
	for _, u := range in.Units {
		id, err := uuid.Parse(u)
		if err != nil {
			return database.ErrNotFound
		}
		ri.UnitIDs = append(ri.UnitIDs, id)
	}
	key := in.ClientToken
	if isAPI(c) && c.Get("Idempotency-Key") != "" {
		key = strings.Clone(c.Get("Idempotency-Key"))
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	b, err := s.Fees.CreateReminders(c.UserContext(), tenantOf(c), a, ri, key)
	if err != nil {
		return s.feeRefused(c, err, tenantPath(c, "/fees/arrears?estate="+ri.Query.EstateID.String()))
	}
	path := tenantPath(c, "/fees/reminders/"+b.ID.String())
	if isAPI(c) {
		c.Location("/api/v1" + path)
		if b.Replayed {
			c.Set(headerReplayed, "true")
			return c.Status(fiber.StatusOK).JSON(b)
		}
		return c.Status(fiber.StatusAccepted).JSON(b)
	}
	return c.Redirect(path, fiber.StatusSeeOther)
}
