package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
)

// feeRunInput confirms a previewed run.
type feeRunInput struct {
	EstateID string `json:"estate_id" form:"estate_id"`
	Period   string `json:"period" form:"period"`
}

// feeRunCreate starts a billing run as a job; its page follows the
// progress. Running a period again creates nothing and says so.
func (s *Server) feeRunCreate(c *fiber.Ctx) error {
	var in feeRunInput
	if err := parse(c, &in); err != nil {
		return err
	}
	estateID, err := uuid.Parse(in.EstateID)
	if err != nil {
		return database.ErrNotFound
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	r, err := s.Fees.StartRun(c.UserContext(), tenantOf(c).ID, a, estateID, in.Period)
	if err != nil {
		return s.feeRefused(c, err, tenantPath(c, "/fees/runs?estate="+estateID.String()))
	}
	if isAPI(c) {
		c.Location("/api/v1" + tenantPath(c, "/fees/runs/"+r.ID.String()))
		return c.Status(fiber.StatusAccepted).JSON(r)
	}
	return c.Redirect(tenantPath(c, "/fees/runs/"+r.ID.String()), fiber.StatusSeeOther)
}
