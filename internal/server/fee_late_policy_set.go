package server

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeLatePolicyForm is the policy as a browser types it: the daily rate
// as a percent ("0.03"), the cap as a percent of the bill and in yuan.
type feeLatePolicyForm struct {
	EstateID   string `form:"estate_id"`
	Enabled    bool   `form:"enabled"`
	Rate       string `form:"rate"`
	GraceDays  string `form:"grace_days"`
	CapPercent string `form:"cap_percent"`
	Cap        string `form:"cap"`
}

// feeLatePolicyAPI is the policy as the API sends it, in millionths and
// fen.
type feeLatePolicyAPI struct {
	EstateID string `json:"estate_id"`
	fee.LatePolicyInput
}

// feeLatePolicySet sets an estate's late-fee policy (fee:manage).
func (s *Server) feeLatePolicySet(c *fiber.Ctx) error {
	var in fee.LatePolicyInput
	var estate string
	if isAPI(c) {
		var body feeLatePolicyAPI
		if err := parse(c, &body); err != nil {
			return err
		}
		in, estate = body.LatePolicyInput, body.EstateID
	} else {
		var f feeLatePolicyForm
		if err := parse(c, &f); err != nil {
			return err
		}
		estate = f.EstateID
		var err error
		if in, err = f.input(); err != nil {
			return s.feeRefused(c, err, tenantPath(c, "/fees/late-fees?estate="+f.EstateID))
		}
	}
	estateID, err := uuid.Parse(estate)
	if err != nil {
		return database.ErrNotFound
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	back := tenantPath(c, "/fees/late-fees?estate="+estateID.String())
	p, err := s.Fees.SetLatePolicy(c.UserContext(), tenantOf(c).ID, a, estateID, in)
	if err != nil {
		return s.feeRefused(c, err, back)
	}
	return s.done(c, back, "latefee.done.saved", fiber.StatusOK, p)
}

// input reads the typed policy; empty numbers are zero.
func (f feeLatePolicyForm) input() (fee.LatePolicyInput, error) {
	in := fee.LatePolicyInput{Enabled: f.Enabled}
	var err error
	if strings.TrimSpace(f.Rate) != "" {
		if in.RatePPM, err = fee.ParseLateRate(f.Rate); err != nil {
			return in, err
		}
	}
	if in.GraceDays, err = formInt(f.GraceDays); err != nil {
		return in, fee.ErrInvalidGraceDays
	}
	if in.CapPercent, err = formInt(f.CapPercent); err != nil {
		return in, fee.ErrInvalidLateCap
	}
	if strings.TrimSpace(f.Cap) != "" {
		if in.CapFen, err = fee.ParseYuan(f.Cap); err != nil {
			return in, fee.ErrInvalidLateCap
		}
	}
	return in, nil
}

// formInt reads a small whole number typed in a form; empty is 0.
func formInt(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if len(s) > 6 {
		return 0, strconv.ErrRange
	}
	return strconv.Atoi(s)
}
